"""The parts of a CSV import too big for one worker, one Step Functions task each, and the
step that sums them up (infra/statemachines/csv_import.asl.json).

Counting: a part's ChunkRecord holds the furthest any attempt at it has come (counts, row
reached, first row errors). A save moves that record forward under a condition on the row it
had reached, then adds the difference to the job's live counts. A retried part reads its rows
again from its start and adds nothing until it passes where the last attempt stopped, so
counts are never added twice. The finish step sets the job's counts from the records (a
crash between the two writes of a save leaves the live counts low until then, never high).
"""

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import size

from timeport.domain.entries import entry_id_for_row
from timeport.domain.users import get_user
from timeport.jobs.csv_import import save_outcome, write_rows
from timeport.jobs.records import (
    FAILED,
    FINAL_STATUSES,
    MAX_STORED_ERRORS,
    PROCESSING,
    ImportProgress,
)
from timeport.sources.csv_chunks import chunk_reader
from timeport.storage.files import open_object_range
from timeport.storage.models import (
    ChunkRecord,
    JobRecord,
    RowError,
    TimeEntryRecord,
    chunk_id,
    chunk_prefix,
    user_pk,
)

logger = Logger(child=True)
DONE = "done"
# entry_id_for_row pads rows to 7 digits: ids of longer row numbers sort among shorter ones.
_PADDED_ROWS = 10_000_000


class _JobFinished(Exception):
    """The job already has its final status: a part still running must stop writing."""


class ChunkProgress(ImportProgress):
    """ImportProgress of one part: saved to the part's record, and as a difference to the job."""

    def __init__(self, job: JobRecord, record: ChunkRecord):
        super().__init__(job)
        self.record = record

    def save(self, status: str | None = None, error_message: str | None = None) -> None:
        record = self.record
        if self.row_reached <= record.row_reached and status != DONE:
            return
        actions = [
            ChunkRecord.row_reached.set(self.row_reached),
            ChunkRecord.successful_records.set(self.successful),
            ChunkRecord.failed_records.set(self.failed),
            ChunkRecord.errors_omitted.set(self.errors_omitted),
        ]
        if len(self.errors) > len(record.errors):
            actions.append(ChunkRecord.errors.set([RowError(**error) for error in self.errors]))
        if status is not None:
            actions.append(ChunkRecord.status.set(status))
        added_successful = self.successful - record.successful_records
        added_failed = self.failed - record.failed_records
        # Optimistic: only the attempt that read the record may move it on.
        record.update(actions=actions, condition=ChunkRecord.row_reached == record.row_reached)
        try:
            self.job.update(
                actions=[
                    JobRecord.successful_records.add(added_successful),
                    JobRecord.failed_records.add(added_failed),
                    JobRecord.total_records.add(added_successful + added_failed),
                ],
                condition=JobRecord.status == PROCESSING,
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise _JobFinished from error
            raise


def import_chunk(user_id: str, import_id: str, index: int, s3_client=None) -> dict:
    """Import one part's rows. Safe to run again: a finished part is left alone, and a retry
    writes each row to the key it had before."""
    record = ChunkRecord.get(user_id, chunk_id(import_id, index), consistent_read=True)
    job = JobRecord.get(user_id, import_id, consistent_read=True)
    if record.status == DONE or job.status in FINAL_STATUSES:
        return {"chunk": index, "outcome": "skipped"}
    record.update(actions=[ChunkRecord.attempt.add(1)])
    header = open_object_range(job.s3_key, 0, record.header_end, record.etag, s3_client).read()
    body = open_object_range(job.s3_key, record.start_byte, record.end_byte, record.etag, s3_client)
    timezone = get_user(user_id).timezone
    reader = chunk_reader(header, body, record.encoding, timezone, record.first_row)
    progress = ChunkProgress(job, record)
    try:
        write_rows(job, reader, progress)
        progress.row_reached = record.last_row
        progress.save(status=DONE)
    except _JobFinished:
        logger.info("Job finished while its part ran", extra={"import_id": import_id})
        return {"chunk": index, "outcome": "stopped"}
    logger.info(
        "CSV part imported",
        extra={
            "import_id": import_id,
            "chunk": index,
            "attempt": record.attempt,
            "successful": progress.successful,
            "failed": progress.failed,
        },
    )
    return {"chunk": index, "outcome": DONE}


def _stored_entries(record: ChunkRecord) -> int:
    """Entries stored from the part's rows (entries are keyed by row: entry_id_for_row)."""
    counted = 0
    low = record.first_row
    while low <= record.last_row:
        high = min(record.last_row, _PADDED_ROWS - 1) if low < _PADDED_ROWS else record.last_row
        first_id = entry_id_for_row(record.import_id, low)
        last_id = entry_id_for_row(record.import_id, high)
        counted += TimeEntryRecord.count(
            user_pk(record.user_id),
            TimeEntryRecord.sk.between(f"ENTRY#{first_id}", f"ENTRY#{last_id}"),
            filter_condition=size(TimeEntryRecord.entry_id) == len(last_id),
            consistent_read=True,
        )
        low = high + 1
    return counted


def _rows_text(first: int, last: int) -> str:
    return f"row {first:,}" if first == last else f"rows {first:,} to {last:,}"


def _failure_message(unfinished: list[ChunkRecord], import_id: str) -> str:
    parts = "; ".join(
        _rows_text(max(part.first_row, part.row_reached + 1), part.last_row) for part in unfinished
    )
    return (
        f"Part of the file could not be imported after several attempts: {parts} were not "
        "all imported (rows before them are stored, and the counts say what is stored). "
        f"Import those rows again from a file of their own. Reference {import_id}"
    )


def finish_chunked_import(user_id: str, import_id: str) -> dict:
    """The job's counts, errors and final status from its parts, however the execution ended.
    Safe to repeat: it sets values, and a finished job is left alone."""
    job = JobRecord.get(user_id, import_id, consistent_read=True)
    if job.status in FINAL_STATUSES:
        return {"status": job.status}
    parts = list(
        ChunkRecord.query(
            user_id, ChunkRecord.job_id.startswith(chunk_prefix(import_id)), consistent_read=True
        )
    )
    progress = ImportProgress(job)
    unfinished = [part for part in parts if part.status != DONE]
    for part in parts:
        progress.successful += (
            part.successful_records if part.status == DONE else _stored_entries(part)
        )
        progress.failed += part.failed_records
        # Parts come in file order, each with its first errors: the first MAX_STORED_ERRORS
        # of the whole file, as one worker keeps them.
        room = max(0, MAX_STORED_ERRORS - len(progress.errors))
        progress.errors += [error.as_dict() for error in part.errors[:room]]
        progress.errors_omitted += part.errors_omitted + max(0, len(part.errors) - room)
    if not unfinished:
        return {"status": save_outcome(progress)}
    progress.save(status=FAILED, error_message=_failure_message(unfinished, import_id))
    logger.info(
        "CSV import failed in parts",
        extra={"import_id": import_id, "unfinished": [part.index for part in unfinished]},
    )
    return {"status": FAILED}
