"""The GDPR export: start it as a job, and the plan the export worker follows to write it."""

from zoneinfo import ZoneInfo

from timeport.clock import iso, utc_now
from timeport.domain.catalog import list_clients, list_projects, list_tasks
from timeport.domain.entries import list_entries
from timeport.domain.users import Caller, get_user
from timeport.formats.gdpr import GdprDocument, write_json, write_zip
from timeport.jobs.exports import ExportPlan
from timeport.jobs.records import create_job
from timeport.storage.files import export_key
from timeport.storage.models import JobRecord, TimeEntryRecord

FORMATS = {"json": ("json", "application/json"), "zip": ("zip", "application/zip")}


def start_gdpr_export(caller: Caller, export_format: str, invoke_worker) -> JobRecord:
    """Create the pending export job and hand it to the worker (`invoke_worker(payload)`)."""
    extension, _ = FORMATS[export_format]
    stamp = utc_now().strftime("%Y%m%d_%H%M%S")
    job = create_job(
        caller.user_id,
        "export",
        "gdpr",
        export_format=export_format,
        filename=f"gdpr_export_{caller.username}_{stamp}.{extension}",
    )
    invoke_worker({"user_id": caller.user_id, "export_id": job.job_id})
    return job


def entry_view(entry: TimeEntryRecord, zone: ZoneInfo) -> dict:
    return {
        "id": entry.entry_id,
        "project_id": entry.project_id,
        "project": entry.project_name,
        "client": entry.client_name,
        "task": entry.task_name,
        "start_time": entry.start_time.astimezone(zone).isoformat(),
        "end_time": entry.end_time.astimezone(zone).isoformat(),
        "duration_seconds": int(entry.duration_seconds),
        "notes": entry.notes,
        "tags": list(entry.tags or []),
        "billable": entry.billable,
        "source": entry.source,
        "import_id": entry.import_id,
        "created_at": iso(entry.created_at),
    }


def build_document(user_id: str) -> GdprDocument:
    profile = get_user(user_id)
    zone = ZoneInfo(profile.timezone)
    return GdprDocument(
        export_info={
            "user_id": profile.user_id,
            "username": profile.username,
            "export_date": iso(utc_now()),
            "export_type": "GDPR Full Data Export",
            "format_version": 1,
        },
        user_profile={
            "user_id": profile.user_id,
            "username": profile.username,
            "email": profile.email,
            "role": profile.role,
            "timezone": profile.timezone,
            "created_at": iso(profile.created_at),
        },
        sections={
            "time_entries": lambda: (entry_view(entry, zone) for entry in list_entries(user_id)),
            "projects": lambda: (
                {
                    "id": p.project_id,
                    "name": p.name,
                    "client_id": p.client_id,
                    "client": p.client_name,
                    "created_at": iso(p.created_at),
                }
                for p in list_projects(user_id)
            ),
            "clients": lambda: (
                {"id": c.client_id, "name": c.name, "created_at": iso(c.created_at)}
                for c in list_clients(user_id)
            ),
            "tasks": lambda: (
                {
                    "id": t.task_id,
                    "name": t.name,
                    "project_id": t.project_id,
                    "created_at": iso(t.created_at),
                }
                for t in list_tasks(user_id)
            ),
        },
    )


def gdpr_plan(job: JobRecord) -> ExportPlan:
    _, content_type = FORMATS[job.export_format]
    write = write_zip if job.export_format == "zip" else write_json
    return ExportPlan(
        key=export_key(job.user_id, job.job_id, job.filename),
        content_type=content_type,
        write=lambda stream: write(build_document(job.user_id), stream),
    )
