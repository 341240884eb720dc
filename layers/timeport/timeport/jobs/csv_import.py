"""The CSV import worker: stream the uploaded file, write good rows, record bad ones.

Safe to run again on the same file (S3 delivers events at least once): a finished job is
left alone, and a rerun after a crash writes each row to the same key it had before, so no
row is ever stored twice.
"""

from aws_lambda_powertools import Logger

from timeport.clock import utc_now
from timeport.domain.catalog import Catalog
from timeport.domain.entries import entry_from_draft
from timeport.domain.users import get_user
from timeport.errors import FileRejected
from timeport.jobs.records import FAILED, ImportProgress, release_lease, take_job
from timeport.settings import get_settings
from timeport.sources.csv_entries import CsvEntryReader, RowFailure
from timeport.sources.text_stream import open_text
from timeport.storage.batches import BatchWriter
from timeport.storage.files import open_object
from timeport.storage.models import JobRecord, TimeEntryRecord

logger = Logger(child=True)
PROGRESS_EVERY_ROWS = 500
MAX_ATTEMPTS = 3


def import_csv_object(user_id: str, import_id: str, key: str, s3_client=None) -> str:
    """Import one uploaded file into its job. Returns what happened, for the log."""
    job = take_job(user_id, import_id, get_settings().worker_lease_seconds)
    if job is None:
        return "skipped"

    progress = ImportProgress(job)
    try:
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
    status = progress.final_status()
    if progress.total == 0:
        progress.save(status=FAILED, error_message="The file has a header row but no data rows")
        return FAILED
    progress.save(status=status)
    logger.info(
        "CSV import finished",
        extra={
            "import_id": import_id,
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
                progress.save()
