"""Restores and imports never run at the same time.

A restore replaces whole sections, so entries an import writes meanwhile would be deleted (or
would point at projects the restore removes) while the import reports them stored. A restore
therefore starts only when no import is writing, and no import starts while a restore runs.

Both checks read the JobsByKind index over a recent window of job ids (ids start with their
creation time), not the whole history: a CSV import writes inside its lease, a restore inside
its own, and a Toggl/Harvest import or a CSV import in parts within the file retention days.
"""

from datetime import timedelta

from timeport.clock import utc_now
from timeport.errors import Conflict
from timeport.ids import id_floor
from timeport.jobs.records import ID_PREFIX, PENDING, PROCESSING
from timeport.settings import get_settings
from timeport.storage.models import JobRecord

RESTORE = "backup"  # the job_type of a restore (an import of a backup file)


def _active_jobs(kind: str, within: timedelta, finished_since=None) -> list[JobRecord]:
    """Jobs of one kind created within the window that are pending or processing (or that
    finished at or after `finished_since`), newest first."""
    since = ID_PREFIX[kind] + id_floor(within.total_seconds())
    wanted = (JobRecord.status == PENDING) | (JobRecord.status == PROCESSING)
    if finished_since is not None:
        wanted = wanted | (JobRecord.completed_at >= finished_since)
    return list(
        JobRecord.by_kind.query(
            kind, JobRecord.job_id > since, filter_condition=wanted, scan_index_forward=False
        )
    )


def jobs_in_flight_during(restore: JobRecord) -> list[JobRecord]:
    """Imports and exports not finished when the restore was asked for, or finished since. A
    restore keeps their records whatever its file holds, so each still ends with the status
    and message its owner will look for (an upload refused during the restore, say)."""
    within = timedelta(days=get_settings().file_retention_days)
    return [
        job
        for kind in ("import", "export")
        for job in _active_jobs(kind, within, finished_since=restore.created_at)
    ]


def _lease_alive(job: JobRecord, lease: timedelta) -> bool:
    """A worker holds the job now; or it is pending and was created too recently to be lost."""
    now = utc_now()
    if job.status == PROCESSING:
        return job.lease_until is not None and job.lease_until > now
    return job.created_at > now - lease


def _writes_entries(job: JobRecord, lease: timedelta) -> bool:
    """A CSV import writes once its worker holds it (a pending one waits for its upload); a
    Toggl or Harvest import from its start to its end."""
    if job.job_type == "csv":
        return job.status == PROCESSING and _lease_alive(job, lease)
    return job.job_type != RESTORE


def _running_restore(imports: list[JobRecord], lease: timedelta) -> JobRecord | None:
    return next(
        (job for job in imports if job.job_type == RESTORE and _lease_alive(job, lease)), None
    )


def running_restore() -> JobRecord | None:
    lease = timedelta(seconds=get_settings().worker_lease_seconds)
    # A restore gets three attempts, each at most one lease long, and Lambda retries a failed
    # one within minutes: one still running was created less than four leases ago.
    return _running_restore(_active_jobs("import", lease * 4), lease)


def refuse_import_during_restore() -> None:
    restore = running_restore()
    if restore is not None:
        raise Conflict(
            f"An admin is restoring a backup (restore {restore.job_id}); start the import once "
            "it has finished"
        )


def refuse_restore_during_work() -> None:
    """409 while another restore runs, or while any import is writing entries. One read of
    the index over the retention window answers both."""
    settings = get_settings()
    lease = timedelta(seconds=settings.worker_lease_seconds)
    imports = _active_jobs("import", timedelta(days=settings.file_retention_days))
    restore = _running_restore(imports, lease)
    if restore is not None:
        raise Conflict(
            f"Restore {restore.job_id} is still running; start another once it has finished"
        )
    writing = [job for job in imports if _writes_entries(job, lease)]
    if writing:
        raise Conflict(
            f"{len(writing)} import(s) are still writing entries (the newest is "
            f"{writing[0].job_id}); start the restore once they have finished"
        )
