"""What every export shares: the plan a worker follows, status, history and the download."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from timeport.domain.users import Caller
from timeport.errors import Conflict, Gone
from timeport.jobs.records import (
    COMPLETED,
    FAILED,
    export_view,
    get_job,
    history_page,
    is_expired,
    retention_days,
)
from timeport.storage.files import object_etag, presigned_download


@dataclass(frozen=True)
class ExportPlan:
    """Where an export's file goes and how it is written: `write(stream)` writes the whole file
    to a byte stream and returns the number of records in it."""

    key: str
    content_type: str
    write: Callable[[BinaryIO], int]


def export_status(caller: Caller, export_id: str) -> dict:
    return export_view(get_job(caller.user_id, export_id, "export"))


def export_history(caller: Caller, all_users: bool, limit: int, before: str | None) -> dict:
    """One page of the caller's exports, or every user's (admins only: the handler checks),
    newest first."""
    page = history_page("export", None if all_users else caller.user_id, limit, before)
    return {
        "exports": [export_view(job) for job in page["jobs"]],
        "next_before": page["next_before"],
    }


def download_url(caller: Caller, export_id: str, s3_client=None) -> str:
    """A short-lived presigned URL for the caller's own finished, unexpired export."""
    job = get_job(caller.user_id, export_id, "export")
    if is_expired(job):
        days = retention_days(job.kind, job.job_type)
        raise Gone(f"This export has expired (it was kept {days} days); start a new export")
    if job.status == FAILED:
        raise Conflict(f"This export failed and has no file: {job.error_message}")
    if job.status != COMPLETED:
        raise Conflict(f"This export is not ready yet (status: {job.status}); try again shortly")
    # A job restored from a backup comes back without its file: backups hold no exports.
    if object_etag(job.s3_key, s3_client) is None:
        raise Gone(
            "This export's file is no longer stored (it came back from a backup, which "
            "holds no files); start a new export"
        )
    return presigned_download(job.s3_key, job.filename, s3_client)
