"""The life of a job record: created pending, claimed by one worker, progress, a final status.

A job is always looked up with its owner's id, so another user's id finds nothing and
answers 404 exactly like an id that never existed.
"""

import json
import re
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError

from timeport.clock import iso, utc_now
from timeport.errors import BadRequest, NotFound
from timeport.ids import new_id
from timeport.settings import get_settings
from timeport.storage.models import JobRecord, RowError

logger = Logger(child=True)
PENDING, PROCESSING, COMPLETED, PARTIAL, FAILED = (
    "pending",
    "processing",
    "completed",
    "partial",
    "failed",
)
FINAL_STATUSES = (COMPLETED, PARTIAL, FAILED)
MAX_STORED_ERRORS = 500
ID_PREFIX = {"import": "imp_", "export": "exp_"}


def retention_days(kind: str, job_type: str) -> int:
    """How long a job's file (and so the job) is kept: backups have their own retention."""
    settings = get_settings()
    if (kind, job_type) == ("export", "backup"):
        return settings.backup_retention_days
    return settings.file_retention_days


def expiry_actions(job: JobRecord, now: datetime) -> list:
    """expires_at and the TTL attribute on the same instant, counted from `now`."""
    expires_at = now + timedelta(days=retention_days(job.kind, job.job_type))
    return [JobRecord.expires_at.set(expires_at), JobRecord.expires_at_epoch.set(expires_at)]


def create_job(user_id: str, kind: str, job_type: str, **attributes) -> JobRecord:
    """Save a new pending job. Until it finishes, it expires `retention_days` from now."""
    now = utc_now()
    expires_at = now + timedelta(days=retention_days(kind, job_type))
    job = JobRecord(
        user_id,
        ID_PREFIX[kind] + new_id(),
        kind=kind,
        job_type=job_type,
        status=PENDING,
        created_at=now,
        expires_at=expires_at,
        expires_at_epoch=expires_at,
        **attributes,
    )
    job.save(condition=JobRecord.job_id.does_not_exist())
    return job


def get_job(user_id: str, job_id: str, kind: str) -> JobRecord:
    if not job_id.startswith(ID_PREFIX[kind]):
        raise NotFound(f"No {kind} with id '{job_id}'")
    try:
        return JobRecord.get(user_id, job_id, consistent_read=True)
    except JobRecord.DoesNotExist as error:
        raise NotFound(f"No {kind} with id '{job_id}'") from error


_JOB_ID = re.compile(r"^(imp|exp)_[0-9a-z]{26}$")


def history_page(kind: str, user_id: str | None, limit: int, before: str | None) -> dict:
    """One page of a history, newest first: the user's jobs of one kind, or every user's
    (`user_id` None, through the JobsByKind index). `before` is the `next_before` of the page
    above; the answer's `next_before` is None on the last page."""
    prefix = ID_PREFIX[kind]
    if before is not None and not (_JOB_ID.match(before) and before.startswith(prefix)):
        raise BadRequest("before: not a next_before value from this history")
    # One more than asked, to know whether another page follows. `between` includes `before`
    # itself, which is dropped.
    upper = before or prefix + "~"
    window = {"scan_index_forward": False, "limit": limit + 2}  # reads no more than needed
    if user_id is None:
        query = JobRecord.by_kind.query(kind, JobRecord.job_id.between(prefix, upper), **window)
    else:
        query = JobRecord.query(user_id, JobRecord.job_id.between(prefix, upper), **window)
    jobs = []
    for job in query:
        if job.job_id != before:
            jobs.append(job)
        if len(jobs) > limit:
            break
    more = len(jobs) > limit
    jobs = jobs[:limit]
    return {"jobs": jobs, "next_before": jobs[-1].job_id if more else None}


def claim_job(job: JobRecord, lease_seconds: int) -> bool:
    """Make this worker the job's only runner. False when the job is finished or another worker
    holds a live lease: the event that woke us is a re-delivery and must do nothing."""
    now = utc_now()
    lease_over = JobRecord.lease_until.does_not_exist() | (JobRecord.lease_until < now)
    may_take = (JobRecord.status == PENDING) | ((JobRecord.status == PROCESSING) & lease_over)
    try:
        job.update(
            actions=[
                JobRecord.status.set(PROCESSING),
                JobRecord.lease_until.set(now + timedelta(seconds=lease_seconds)),
                JobRecord.started_at.set(job.started_at or now),
                JobRecord.attempt.add(1),
                JobRecord.total_records.set(0),
                JobRecord.successful_records.set(0),
                JobRecord.failed_records.set(0),
                JobRecord.errors.set([]),
                JobRecord.errors_omitted.set(0),
            ],
            condition=may_take,
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def take_job(user_id: str, job_id: str, lease_seconds: int) -> JobRecord | None:
    """Load and claim a job for a worker; None when the event that woke it must do nothing
    (no such job, already finished, or another worker holds it)."""
    try:
        job = JobRecord.get(user_id, job_id, consistent_read=True)
    except JobRecord.DoesNotExist:
        logger.warning("No job for worker event", extra={"job_id": job_id})
        return None
    if not claim_job(job, lease_seconds):
        logger.info("Job already finished or running; event ignored", extra={"job_id": job_id})
        return None
    job.refresh(consistent_read=True)
    return job


def release_lease(job: JobRecord) -> None:
    """Let the next delivery of the event take the job over at once."""
    job.update(actions=[JobRecord.lease_until.remove()])


class ImportProgress:
    """Counts and row errors of a running import, written to the job record in steps."""

    def __init__(self, job: JobRecord):
        self.job = job
        self.successful = 0
        self.failed = 0
        self.errors: list[dict] = []
        self.errors_omitted = 0
        self._errors_saved = 0
        # The row of the last item counted at the last save; a part of a file keeps it.
        self.row_reached = 0

    @property
    def total(self) -> int:
        return self.successful + self.failed

    def row_failed(self, row: int, problems) -> None:
        self.failed += 1
        for problem in problems:
            if len(self.errors) < MAX_STORED_ERRORS:
                self.errors.append(
                    {
                        "row": row,
                        "column": problem.column,
                        "value": problem.value,
                        "message": problem.message,
                    }
                )
            else:
                self.errors_omitted += 1

    def save(self, status: str | None = None, error_message: str | None = None) -> None:
        actions = [
            JobRecord.total_records.set(self.total),
            JobRecord.successful_records.set(self.successful),
            JobRecord.failed_records.set(self.failed),
            JobRecord.errors_omitted.set(self.errors_omitted),
        ]
        # Only the errors since the last save travel: the stored list (emptied when the job was
        # claimed) can hold 500, and resending it every step would cost a write per step.
        unsaved = self.errors[self._errors_saved :]
        if unsaved:
            appended = JobRecord.errors.append([RowError(**error) for error in unsaved])
            actions.append(JobRecord.errors.set(appended))
        if status is not None:
            now = utc_now()
            actions += [
                JobRecord.status.set(status),
                JobRecord.completed_at.set(now),
                JobRecord.lease_until.remove(),
                *expiry_actions(self.job, now),
            ]
        if error_message is not None:
            actions.append(JobRecord.error_message.set(error_message))
        self.job.update(actions=actions)
        self._errors_saved = len(self.errors)

    def final_status(self) -> str:
        if self.failed == 0:
            return COMPLETED
        return FAILED if self.successful == 0 else PARTIAL


def finish_export(job: JobRecord, s3_key: str, record_count: int, file_size: int) -> None:
    now = utc_now()
    job.update(
        actions=[
            JobRecord.status.set(COMPLETED),
            JobRecord.s3_key.set(s3_key),
            JobRecord.record_count.set(record_count),
            JobRecord.file_size.set(file_size),
            JobRecord.completed_at.set(now),
            JobRecord.lease_until.remove(),
            *expiry_actions(job, now),
        ]
    )


def fail_job(job: JobRecord, message: str) -> None:
    now = utc_now()
    job.update(
        actions=[
            JobRecord.status.set(FAILED),
            JobRecord.error_message.set(message),
            JobRecord.completed_at.set(now),
            JobRecord.lease_until.remove(),
            *expiry_actions(job, now),
        ]
    )


def is_expired(job: JobRecord, now: datetime | None = None) -> bool:
    return job.expires_at is not None and (now or utc_now()) >= job.expires_at


UPLOAD_GRACE = timedelta(hours=1)


def _never_uploaded(job: JobRecord) -> bool:
    """A CSV job whose upload URL expired (plus time for a slow upload) without a file."""
    if job.job_type != "csv" or job.status != PENDING:
        return False
    deadline = job.created_at + timedelta(seconds=get_settings().upload_url_ttl_seconds)
    return utc_now() > deadline + UPLOAD_GRACE


def _json_or_none(text: str | None):
    return json.loads(text) if text else None


def import_view(job: JobRecord) -> dict:
    abandoned = _never_uploaded(job)
    return {
        "id": job.job_id,
        "user_id": job.user_id,
        "import_type": job.job_type,
        "status": FAILED if abandoned else job.status,
        "source_file": job.source_file,
        "total_records": job.total_records,
        "successful_records": job.successful_records,
        "failed_records": job.failed_records,
        "skipped_records": job.skipped_records,
        "pages_done": job.pages_done,
        "source_range": job.source_params.as_dict() if job.source_params else None,
        "waiting_for": job.waiting_for,
        "errors": [
            {"row": e.row, "column": e.column, "value": e.value, "message": e.message}
            for e in job.errors
        ],
        "errors_omitted": job.errors_omitted,
        "error_message": (
            "No file was uploaded before the upload URL expired; ask for a new one"
            if abandoned
            else job.error_message
        ),
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "completed_at": iso(job.completed_at),
        "expires_at": iso(job.expires_at),
        "is_expired": is_expired(job),
        "summary": _json_or_none(job.summary),
    }


def export_reference(job: JobRecord) -> dict:
    """How an export is named in answers and summaries: its id, file name and download path."""
    return {
        "export_id": job.job_id,
        "filename": job.filename,
        "download_url": f"/api/export/download/{job.job_id}",
    }


def export_view(job: JobRecord) -> dict:
    return {
        "id": job.job_id,
        "user_id": job.user_id,
        "export_type": job.job_type,
        "export_format": job.export_format,
        "status": job.status,
        "filename": job.filename,
        "filters": _json_or_none(job.filters),
        "record_count": job.record_count,
        "file_size": job.file_size,
        "error_message": job.error_message,
        "created_at": iso(job.created_at),
        "completed_at": iso(job.completed_at),
        "expires_at": iso(job.expires_at),
        "is_expired": is_expired(job),
        "download_url": export_reference(job)["download_url"],
    }
