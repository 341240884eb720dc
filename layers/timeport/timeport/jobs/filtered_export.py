"""The filtered export: check the filters, start the job, and the plan the worker follows.

Every filter is checked before the job exists, so a bad one answers 400 and starts nothing.
Days are whole days in the time zone of the person asking, both ends included; the times in
the file are in that zone too.
"""

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from timeport.clock import iso, utc_now
from timeport.domain.catalog import list_projects
from timeport.domain.entries import list_entries
from timeport.domain.users import Caller, get_user, list_users
from timeport.errors import BadRequest, Forbidden
from timeport.formats.gdpr import CSV_COLUMNS
from timeport.formats.tables import WRITERS, Table
from timeport.jobs.exports import ExportPlan
from timeport.jobs.gdpr_export import entry_view
from timeport.jobs.records import create_job
from timeport.storage.files import export_key
from timeport.storage.models import JobRecord

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TIME_ENTRY_COLUMNS = ("user_id", *CSV_COLUMNS["time_entries"])
PROJECT_COLUMNS = ("user_id", *CSV_COLUMNS["projects"])
# The service holds no expenses yet: the table is there, with its header, so that files keep
# one shape when expenses arrive.
EXPENSE_COLUMNS = (
    "user_id",
    "id",
    "date",
    "project_id",
    "category",
    "description",
    "amount",
    "currency",
    "billable",
)


def _user_ids(user_id: str, all_users: bool) -> list[str]:
    return [profile.user_id for profile in list_users()] if all_users else [user_id]


def check_filters(caller: Caller, filters: dict) -> None:
    """What the request model cannot know: who may ask for everyone, which projects exist."""
    if filters["all_users"] and not caller.is_admin:
        raise Forbidden("filters.all_users: only admins may export every user's data")
    project_id = filters["project_id"]
    if project_id is not None:
        for user_id in _user_ids(caller.user_id, filters["all_users"]):
            if any(project.project_id == project_id for project in list_projects(user_id)):
                return
        raise BadRequest(f"filters.project_id: no project with id '{project_id}'")


def _extension(export_format: str, filters: dict) -> str:
    tables = sum(1 for key in ("time_entries", "projects", "expenses") if filters[f"include_{key}"])
    return "zip" if export_format == "csv" and tables > 1 else export_format


def start_filtered_export(
    caller: Caller, export_format: str, filters: dict, invoke_worker
) -> JobRecord:
    """`filters` are ExportFilters as a dict. Checks them, then creates the pending job and
    hands it to the worker (`invoke_worker(payload)`)."""
    check_filters(caller, filters)
    stamp = utc_now().strftime("%Y%m%d_%H%M%S")
    job = create_job(
        caller.user_id,
        "export",
        "filtered",
        export_format=export_format,
        filename=f"filtered_export_{caller.username}_{stamp}.{_extension(export_format, filters)}",
        filters=json.dumps(filters, sort_keys=True),
    )
    invoke_worker({"user_id": caller.user_id, "export_id": job.job_id})
    return job


def _day_start(day: str | None, zone: ZoneInfo, days_later: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(date.fromisoformat(day) + timedelta(days=days_later), time(), zone)


def build_tables(job: JobRecord) -> list[Table]:
    filters = json.loads(job.filters)
    zone = ZoneInfo(get_user(job.user_id).timezone)
    caller = Caller(job.user_id, "", "admin" if filters["all_users"] else "user", zone.key)
    user_ids = _user_ids(caller.user_id, filters["all_users"])
    project_id = filters["project_id"]

    def time_entries():
        for user_id in user_ids:
            for entry in list_entries(
                user_id,
                starts_from=_day_start(filters["start_date"], zone),
                starts_before=_day_start(filters["end_date"], zone, days_later=1),
                project_id=project_id,
                billable_only=filters["billable_only"],
            ):
                yield {"user_id": entry.user_id, **entry_view(entry, zone)}

    def projects():
        for user_id in user_ids:
            for project in list_projects(user_id):
                if project_id is None or project.project_id == project_id:
                    yield {
                        "user_id": user_id,
                        "id": project.project_id,
                        "name": project.name,
                        "client_id": project.client_id,
                        "client": project.client_name,
                        "created_at": iso(project.created_at),
                    }

    tables = []
    if filters["include_time_entries"]:
        tables.append(Table("time_entries", TIME_ENTRY_COLUMNS, time_entries))
    if filters["include_projects"]:
        tables.append(Table("projects", PROJECT_COLUMNS, projects))
    if filters["include_expenses"]:
        tables.append(Table("expenses", EXPENSE_COLUMNS, lambda: ()))
    return tables


def filtered_plan(job: JobRecord) -> ExportPlan:
    return ExportPlan(
        key=export_key(job.user_id, job.job_id, job.filename),
        content_type=CONTENT_TYPES[job.filename.rsplit(".", 1)[-1]],
        write=lambda stream: WRITERS[job.export_format](build_tables(job), stream),
    )
