"""The CSV import worker: stream the uploaded file, write good rows, record bad ones.

Safe to run again on the same file (S3 delivers events at least once): a finished job is
left alone, and a rerun after a crash writes each row to the same key it had before, so no
row is ever stored twice.

A file above CsvChunkThresholdBytes is only cut into parts here; the parts are imported by
the CSV import state machine (see jobs/csv_chunks.py).
"""

import json
from datetime import timedelta

from aws_lambda_powertools import Logger
from pynamodb.exceptions import PutError

from timeport.clock import utc_now
from timeport.domain.catalog import Catalog
from timeport.domain.entries import entry_from_draft
from timeport.domain.users import get_user
from timeport.errors import FileRejected
from timeport.jobs.exclusion import running_restore
from timeport.jobs.records import FAILED, ImportProgress, release_lease, retention_days, take_job
from timeport.settings import get_settings
from timeport.sources.csv_chunks import plan_chunks
from timeport.sources.csv_entries import CsvEntryReader, RowFailure
from timeport.sources.text_stream import open_text
from timeport.storage.batches import BatchWriter
from timeport.storage.clients import aws_client
from timeport.storage.files import object_size_and_etag, open_object
from timeport.storage.models import ChunkRecord, JobRecord, TimeEntryRecord, chunk_id

logger = Logger(child=True)
PROGRESS_EVERY_ROWS = 500
MAX_ATTEMPTS = 3


def import_csv_object(user_id: str, import_id: str, key: str, s3_client=None, sfn=None) -> str:
    """Import one uploaded file into its job. Returns what happened, for the log."""
    job = take_job(user_id, import_id, get_settings().worker_lease_seconds)
    if job is None:
        return "skipped"

    progress = ImportProgress(job)
    try:
        # An upload URL given out before a restore started may be used while it runs.
        if job.attempt == 1 and running_restore() is not None:
            raise FileRejected(
                "A backup was being restored when this file arrived, so nothing was imported; "
                "ask for a new upload URL and send the file again"
            )
        size, etag = object_size_and_etag(key, s3_client)
        if size > get_settings().csv_chunk_threshold_bytes and _start_chunks(
            job, key, etag, s3_client, sfn
        ):
            return "chunked"
        _import_rows(job, key, progress, s3_client)
    except FileRejected as rejection:
        progress.save(status=FAILED, error_message=rejection.message)
        logger.info(
            "CSV file rejected", extra={"import_id": import_id, "reason": rejection.message}
        )
        return FAILED
    except Exception:
        logger.exception(
            "CSV import interrupted", extra={"import_id": import_id, "attempt": job.attempt}
        )
        if job.attempt >= MAX_ATTEMPTS:
            # The counts say what this last attempt wrote, so they match the stored entries.
            progress.save(
                status=FAILED,
                error_message=(
                    f"The import stopped on an internal error {job.attempt} times; rows up to "
                    f"the counts shown are stored. Reference {import_id}"
                ),
            )
            return FAILED
        release_lease(job)
        raise
    return save_outcome(progress)


def save_outcome(progress: ImportProgress) -> str:
    """The job's final status from its counts, saved with them; returns the status."""
    status = progress.final_status()
    if progress.total == 0:
        progress.save(status=FAILED, error_message="The file has a header row but no data rows")
        return FAILED
    progress.save(status=status)
    logger.info(
        "CSV import finished",
        extra={
            "import_id": progress.job.job_id,
            "status": status,
            "successful": progress.successful,
            "failed": progress.failed,
        },
    )
    return status


def _import_rows(job: JobRecord, key: str, progress: ImportProgress, s3_client) -> None:
    timezone = get_user(job.user_id).timezone
    text, encoding = open_text(open_object(key, s3_client))
    reader = CsvEntryReader(text, timezone)
    logger.info(
        "CSV file accepted",
        extra={"import_id": job.job_id, "encoding": encoding, "delimiter": reader.delimiter},
    )
    write_rows(job, reader, progress)


def write_rows(job: JobRecord, reader: CsvEntryReader, progress: ImportProgress) -> None:
    """Store the reader's good rows and count every row in `progress`, saving it every
    PROGRESS_EVERY_ROWS rows, once what it counts is written."""
    catalog = Catalog(job.user_id)
    created_at = utc_now()
    with BatchWriter(TimeEntryRecord) as batch:
        for item in reader:
            if isinstance(item, RowFailure):
                progress.row_failed(item.row, item.problems)
            else:
                batch.save(entry_from_draft(item, job, catalog, created_at))
                progress.successful += 1
            if progress.total % PROGRESS_EVERY_ROWS == 0:
                batch.commit()
                progress.row_reached = item.row
                progress.save()


def _start_chunks(job: JobRecord, key: str, etag: str, s3_client, sfn) -> bool:
    """Cut the file into parts, save them and start the execution that imports them; False
    for a file that cannot be cut (it is then imported here, whole).

    Safe to repeat: a part already saved is kept as it is (with what it has imported), and
    the execution is named after the job, so a second start finds it running."""
    plan = plan_chunks(open_object(key, s3_client, etag), get_settings().csv_chunk_bytes)
    if plan is None:
        return False
    now = utc_now()
    # The job stays taken while its parts run, so a late S3 re-delivery cannot take it over.
    held_until = now + timedelta(days=retention_days(job.kind, job.job_type))
    for chunk in plan.chunks:
        record = ChunkRecord(
            job.user_id,
            chunk_id(job.job_id, chunk.index),
            import_id=job.job_id,
            index=chunk.index,
            etag=etag,
            encoding=plan.encoding,
            header_end=plan.header_end,
            start_byte=chunk.start,
            end_byte=chunk.end,
            first_row=chunk.first_row,
            last_row=chunk.last_row,
            expires_at_epoch=held_until,
        )
        try:
            record.save(condition=ChunkRecord.job_id.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
    job.update(actions=[JobRecord.lease_until.set(held_until)])
    state = {
        "user_id": job.user_id,
        "import_id": job.job_id,
        "chunks": [chunk.index for chunk in plan.chunks],
    }
    client = sfn or aws_client("stepfunctions")
    try:
        client.start_execution(
            stateMachineArn=get_settings().csv_import_state_machine,
            name=job.job_id,
            input=json.dumps(state),
        )
    except client.exceptions.ExecutionAlreadyExists:
        logger.info("Chunk execution already started", extra={"import_id": job.job_id})
    logger.info(
        "CSV file cut into parts",
        extra={
            "import_id": job.job_id,
            "encoding": plan.encoding,
            "chunks": len(plan.chunks),
            "rows": plan.chunks[-1].last_row - 1,
        },
    )
    return True
