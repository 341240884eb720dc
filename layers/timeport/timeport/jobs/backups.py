"""Admin backups: every section of every user, as the file timeport.formats.backup describes.

A backup is an export job of type `backup` whose file goes to backups/ and is kept for the
backup retention. The header must come first and hold exact counts, which are known only at
the end: the records are therefore compressed into a temporary file first (/tmp), then the
header and that file are streamed to S3. Memory stays flat; /tmp holds the compressed records.
"""

import gzip
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from timeport.clock import iso, utc_now
from timeport.domain.catalog import list_clients, list_projects, list_tasks
from timeport.domain.entries import list_entries
from timeport.domain.users import Caller, list_users
from timeport.formats.backup import SECTIONS, header_line, record_line
from timeport.jobs.exports import ExportPlan
from timeport.jobs.records import create_job
from timeport.storage.files import backup_key
from timeport.storage.models import JobRecord

BACKUP_FORMAT = "jsonl.gz"
CONTENT_TYPE = "application/gzip"
COPY_CHUNK_BYTES = 1024 * 1024


def stamp(moment: datetime | None) -> str | None:
    """A stored time to the microsecond, in UTC, so a restore gives back the very same item."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _user_ids() -> list[str]:
    return [profile.user_id for profile in list_users()]


def _users() -> Iterator[dict]:
    for profile in list_users():
        yield {
            "user_id": profile.user_id,
            "username": profile.username,
            "email": profile.email,
            "role": profile.role,
            "timezone": profile.timezone,
            "created_at": stamp(profile.created_at),
        }


def _clients() -> Iterator[dict]:
    for user_id in _user_ids():
        for client in list_clients(user_id):
            yield {
                "user_id": user_id,
                "client_id": client.client_id,
                "name": client.name,
                "created_at": stamp(client.created_at),
            }


def _projects() -> Iterator[dict]:
    for user_id in _user_ids():
        for project in list_projects(user_id):
            yield {
                "user_id": user_id,
                "project_id": project.project_id,
                "name": project.name,
                "client_id": project.client_id,
                "client_name": project.client_name,
                "created_at": stamp(project.created_at),
            }


def _tasks() -> Iterator[dict]:
    for user_id in _user_ids():
        for task in list_tasks(user_id):
            yield {
                "user_id": user_id,
                "task_id": task.task_id,
                "project_id": task.project_id,
                "name": task.name,
                "created_at": stamp(task.created_at),
            }


def _time_entries() -> Iterator[dict]:
    for user_id in _user_ids():
        for entry in list_entries(user_id):
            yield {
                "user_id": entry.user_id,
                "entry_id": entry.entry_id,
                "project_id": entry.project_id,
                "project_name": entry.project_name,
                "client_id": entry.client_id,
                "client_name": entry.client_name,
                "task_id": entry.task_id,
                "task_name": entry.task_name,
                "start_time": stamp(entry.start_time),
                "end_time": stamp(entry.end_time),
                "duration_seconds": int(entry.duration_seconds),
                "notes": entry.notes,
                "tags": list(entry.tags or []),
                "billable": entry.billable,
                "source": entry.source,
                "import_id": entry.import_id,
                "source_id": entry.source_id,
                "created_at": stamp(entry.created_at),
            }


def job_row(job: JobRecord) -> dict:
    return {
        "user_id": job.user_id,
        "job_id": job.job_id,
        "kind": job.kind,
        "job_type": job.job_type,
        "status": job.status,
        "export_format": job.export_format,
        "source_file": job.source_file,
        "filename": job.filename,
        "s3_key": job.s3_key,
        "total_records": int(job.total_records),
        "successful_records": int(job.successful_records),
        "failed_records": int(job.failed_records),
        "record_count": int(job.record_count),
        "file_size": int(job.file_size),
        "errors": [
            {
                "row": int(error.row),
                "column": error.column,
                "value": error.value,
                "message": error.message,
            }
            for error in job.errors
        ],
        "errors_omitted": int(job.errors_omitted),
        "error_message": job.error_message,
        "filters": job.filters,
        "summary": job.summary,
        "skipped_records": int(job.skipped_records),
        "pages_done": int(job.pages_done),
        "source_params": job.source_params.as_dict() if job.source_params else None,
        "cursor": job.cursor,
        "waiting_for": job.waiting_for,
        "created_at": stamp(job.created_at),
        "started_at": stamp(job.started_at),
        "completed_at": stamp(job.completed_at),
        "expires_at": stamp(job.expires_at),
    }


def _jobs() -> Iterator[dict]:
    for kind in ("import", "export"):
        for job in JobRecord.by_kind.query(kind):
            yield job_row(job)


READERS = {
    "users": _users,
    "clients": _clients,
    "projects": _projects,
    "tasks": _tasks,
    "time_entries": _time_entries,
    "jobs": _jobs,
}


def current_records(section: str) -> Iterator[dict]:
    """The records of one section as they are stored now, in backup form. Sections the service
    does not hold have none."""
    reader = READERS.get(section)
    return reader() if reader else iter(())


def write_backup(sections: list[str], stream: BinaryIO, skip_jobs: frozenset = frozenset()) -> int:
    """Write a backup of `sections` (in the order of SECTIONS) to a byte stream; returns the
    number of records. The jobs in `skip_jobs` (the backup's own, and the restore it is taken
    for) are left out: the file could only hold them half done, and a restored half-done job
    would look as if it were still running."""
    counts: dict[str, int] = {}
    with tempfile.TemporaryFile(prefix="timeport-backup-") as spool:
        with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0) as body:
            for section in (name for name in SECTIONS if name in sections):
                counts[section] = 0
                for record in current_records(section):
                    if section == "jobs" and record["job_id"] in skip_jobs:
                        continue
                    body.write(record_line(section, record))
                    counts[section] += 1
        stream.write(gzip.compress(header_line(iso(utc_now()), counts), mtime=0))
        spool.seek(0)
        shutil.copyfileobj(spool, stream, COPY_CHUNK_BYTES)
    return sum(counts.values())


def create_backup_job(
    caller: Caller,
    sections=SECTIONS,
    name: str = "timeport_backup",
    for_restore: str | None = None,
) -> JobRecord:
    """A pending backup job of `sections`, owned by the admin who asked for it; `for_restore`
    names the restore job a pre-restore backup is taken for."""
    holds = {"sections": list(sections)}
    if for_restore:
        holds["for_restore"] = for_restore
    stamp = utc_now().strftime("%Y%m%d_%H%M%S")
    return create_job(
        caller.user_id,
        "export",
        "backup",
        export_format=BACKUP_FORMAT,
        filename=f"{name}_{stamp}.{BACKUP_FORMAT}",
        filters=json.dumps(holds),
    )


def start_backup(caller: Caller, invoke_worker) -> JobRecord:
    """Create the pending backup job and hand it to the export worker."""
    job = create_backup_job(caller)
    invoke_worker({"user_id": caller.user_id, "export_id": job.job_id})
    return job


def backup_plan(job: JobRecord) -> ExportPlan:
    holds = json.loads(job.filters)
    skip_jobs = frozenset(filter(None, (job.job_id, holds.get("for_restore"))))
    return ExportPlan(
        key=backup_key(job.user_id, job.job_id, job.filename),
        content_type=CONTENT_TYPE,
        write=lambda stream: write_backup(holds["sections"], stream, skip_jobs),
    )
