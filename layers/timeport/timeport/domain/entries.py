"""Time entries: how an imported row becomes a stored entry, and how entries are read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from timeport.domain.catalog import Catalog
from timeport.storage.models import JobRecord, TimeEntryRecord, user_pk

if TYPE_CHECKING:
    # Named in signatures only: importing them would load `requests` (and the CSV reader) into
    # every function that reads entries, such as the GDPR export start, for nothing.
    from timeport.sources.csv_entries import EntryDraft
    from timeport.sources.remote import SourceEntry


def entry_id_for_row(import_id: str, row: int) -> str:
    """The same row of the same import always gets the same id: a rerun overwrites, never doubles."""
    return f"{import_id}-r{row:07d}"


def start_key(start: datetime, entry_id: str) -> str:
    """Sort key of the EntriesByStart index: UTC start, then the id to keep it unique."""
    return f"{start.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}#{entry_id}"


def _stored_entry(
    job: JobRecord,
    entry_id: str,
    catalog: Catalog,
    names: tuple[str | None, str | None, str | None],
    start: datetime,
    end: datetime,
    created_at: datetime,
    **details,
) -> TimeEntryRecord:
    """The item of one entry. `names` are project, client and task: no project means no
    client and no task, as Toggl and Harvest allow."""
    project_name, client_name, task_name = names
    project = catalog.project(project_name, client_name or project_name) if project_name else None
    task = catalog.task(project, task_name) if project and task_name else None
    return TimeEntryRecord(
        user_pk(job.user_id),
        f"ENTRY#{entry_id}",
        start_key=start_key(start, entry_id),
        entry_id=entry_id,
        user_id=job.user_id,
        project_id=project.project_id if project else None,
        project_name=project.name if project else None,
        client_id=project.client_id if project else None,
        client_name=project.client_name if project else None,
        task_id=task.task_id if task else None,
        task_name=task.name if task else None,
        start_time=start,
        end_time=end,
        duration_seconds=round((end - start).total_seconds()),
        import_id=job.job_id,
        created_at=created_at,
        **details,
    )


def entry_from_draft(
    draft: EntryDraft, job: JobRecord, catalog: Catalog, created_at: datetime
) -> TimeEntryRecord:
    return _stored_entry(
        job, entry_id_for_row(job.job_id, draft.row), catalog,
        (draft.project_name, draft.client_name, draft.task_name), draft.start, draft.end,
        created_at, notes=draft.notes, tags=draft.tags, billable=draft.billable,
        source=job.job_type,
    )  # fmt: skip


def entry_from_source(
    entry: SourceEntry, job: JobRecord, catalog: Catalog, created_at: datetime
) -> TimeEntryRecord:
    """An entry keyed by its source and the source's id: importing it again overwrites it."""
    return _stored_entry(
        job, f"{entry.source}-{entry.source_id}", catalog,
        (entry.project_name, entry.client_name, entry.task_name), entry.start, entry.end,
        created_at, notes=entry.notes, tags=entry.tags, billable=entry.billable,
        source=entry.source, source_id=entry.source_id,
    )  # fmt: skip


def list_entries(
    user_id: str,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    project_id: str | None = None,
    billable_only: bool = False,
) -> Iterator[TimeEntryRecord]:
    """The user's entries, oldest start first, fetched page by page: all of them, or those that
    start in [starts_from, starts_before) and match the project and billable filters."""
    low = starts_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if starts_from else None
    high = starts_before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if starts_before else None
    # A stored key is "<start>#<id>", so it sorts after the bare timestamp of the same second:
    # `< high` leaves out entries starting exactly at `high`, `>= low` keeps those at `low`.
    by_start = TimeEntryRecord.start_key
    if low and high:
        range_condition = by_start.between(low, high)
    elif low:
        range_condition = by_start >= low
    elif high:
        range_condition = by_start < high
    else:
        range_condition = None
    filter_condition = None
    if project_id is not None:
        filter_condition = TimeEntryRecord.project_id == project_id
    if billable_only:
        billable = TimeEntryRecord.billable == True  # noqa: E712 - a pynamodb condition
        filter_condition = billable if filter_condition is None else filter_condition & billable
    return TimeEntryRecord.by_start.query(
        user_pk(user_id), range_key_condition=range_condition, filter_condition=filter_condition
    )
