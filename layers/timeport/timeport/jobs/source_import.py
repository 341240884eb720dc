"""Toggl and Harvest imports, one page per Step Functions task.

The execution's state holds only ids and counters. Everything else lives in the job record:
the date windows (a month each), the cursor inside the current window, and how many entries
of the current page are already written, all updated together with the counts so that a
retried or redriven step continues where the last one stopped. Entries are keyed by source
and source id, so a page written twice is still stored once.
"""

import json
from datetime import date, timedelta

from aws_lambda_powertools import Logger

from timeport.clock import utc_now
from timeport.domain.catalog import Catalog
from timeport.domain.entries import entry_from_source
from timeport.domain.users import Caller, get_user
from timeport.errors import BadRequest, ServiceUnavailable
from timeport.jobs.exclusion import refuse_import_during_restore
from timeport.jobs.records import (
    COMPLETED,
    FAILED,
    FINAL_STATUSES,
    PARTIAL,
    PENDING,
    PROCESSING,
    create_job,
    expiry_actions,
    fail_job,
)
from timeport.settings import get_settings
from timeport.sources.harvest import HarvestClient
from timeport.sources.remote import SourceBusy, SourceRejected, SourceUnavailable
from timeport.sources.toggl import TogglClient, TogglCursor
from timeport.storage.batches import BatchWriter
from timeport.storage.clients import aws_client
from timeport.storage.credentials import delete_token, load_token, save_token
from timeport.storage.models import JobRecord, TimeEntryRecord

logger = Logger(child=True)
SOURCE_NAMES = {"toggl": "Toggl", "harvest": "Harvest"}
WRITE_BATCH = 50
MAX_RANGE_DAYS = 366 * 10


def _sfn():
    return aws_client("stepfunctions")


def month_windows(start: date, end: date) -> list[tuple[str, str]]:
    """Calendar-month windows covering start..end, both inclusive."""
    windows = []
    cursor = start
    while cursor <= end:
        next_month = (cursor.replace(day=1) + timedelta(days=32)).replace(day=1)
        last = min(end, next_month - timedelta(days=1))
        windows.append((cursor.isoformat(), last.isoformat()))
        cursor = last + timedelta(days=1)
    return windows


def make_client(source: str, token: str, scope_id: str, session=None):
    settings = get_settings()
    if source == "toggl":
        return TogglClient(token, scope_id, settings.toggl_api_url, session)
    return HarvestClient(token, scope_id, settings.harvest_api_url, session)


def start_source_import(
    caller: Caller,
    source: str,
    scope_id: str,
    token: str,
    start_date: date,
    end_date: date,
    session=None,
    kms=None,
    sfn=None,
) -> JobRecord:
    """Check the credentials with one call, then create the job and start its execution."""
    name = SOURCE_NAMES[source]
    if not token or not all("!" <= char <= "~" for char in token):
        raise BadRequest("api_token: must be the token as shown by the service, without spaces")
    if end_date < start_date:
        raise BadRequest("end_date: must not be before start_date")
    if (end_date - start_date).days > MAX_RANGE_DAYS:
        raise BadRequest("end_date: the range may span at most ten years; import in parts")
    refuse_import_during_restore()
    try:
        make_client(source, token, scope_id, session).check_credentials()
    except SourceRejected as error:
        raise BadRequest(f"{name} did not accept these credentials: {error.message}") from error
    except (SourceBusy, SourceUnavailable) as error:
        raise ServiceUnavailable(f"{name} is not answering ({error.message}); try later") from error

    job = create_job(
        caller.user_id,
        "import",
        source,
        source_params={
            "scope_id": scope_id,
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
        },
        cursor=json.dumps({"window": 0, "page": None, "done_in_page": 0}),
    )
    save_token(caller.user_id, job.job_id, token, kms)
    state = {"user_id": caller.user_id, "import_id": job.job_id, "steps": 0, "generation": 0}
    try:
        (sfn or _sfn()).start_execution(
            stateMachineArn=get_settings().source_import_state_machine,
            name=job.job_id,
            input=json.dumps(state),
        )
    except Exception:
        delete_token(caller.user_id, job.job_id)
        fail_job(job, "The import could not be started; nothing was imported. Try again")
        raise
    return job


def _fetch(job: JobRecord, source: str, token: str, window: tuple[str, str], page, session):
    """One page: (entries, skipped, next page cursor or None)."""
    client = make_client(source, token, job.source_params["scope_id"], session)
    if source == "toggl":
        cursor = TogglCursor(**page) if page else None
        result = client.report_page(*window, cursor, client.names)
        next_page = vars(result.next_cursor) if result.next_cursor else None
        return result.entries, result.skipped, next_page
    url = page or client.first_page_url(*window)
    result = client.page(url, get_user(job.user_id).timezone)
    return result.entries, result.skipped, result.next_url


def hand_over(state: dict, sfn=None) -> None:
    """Start the execution that carries the import on; a retried call finds it already there."""
    generation = state["generation"] + 1
    following = {
        "user_id": state["user_id"],
        "import_id": state["import_id"],
        "steps": 0,
        "generation": generation,
    }
    client = sfn or _sfn()
    try:
        client.start_execution(
            stateMachineArn=state["state_machine"],
            name=f"{state['import_id']}-{generation}",
            input=json.dumps(following),
        )
    except client.exceptions.ExecutionAlreadyExists:
        logger.info("Next execution already started", extra={"generation": generation})


def run_import_step(state: dict, session=None, kms=None, sfn=None) -> dict:
    """Import one page and say what the state machine does next: page, wait, handed_over, done."""
    job = JobRecord.get(state["user_id"], state["import_id"], consistent_read=True)
    if job.status in FINAL_STATUSES:
        return {**state, "next": "done"}
    if job.status == PENDING:
        job.update(actions=[JobRecord.status.set(PROCESSING), JobRecord.started_at.set(utc_now())])
    if state["steps"] >= get_settings().source_pages_per_execution:
        hand_over(state, sfn)
        return {**state, "next": "handed_over"}

    token = load_token(job.user_id, job.job_id, kms)
    if token is None:
        raise SourceRejected("The import's credentials are gone; start the import again")
    source = job.job_type
    params = job.source_params
    windows = month_windows(
        date.fromisoformat(params["start_date"]), date.fromisoformat(params["end_date"])
    )
    cursor = json.loads(job.cursor)
    if cursor["window"] >= len(windows):
        return {**state, "next": "done"}

    try:
        entries, skipped, next_page = _fetch(
            job, source, token, windows[cursor["window"]], cursor["page"], session
        )
    except SourceBusy as busy:
        job.update(actions=[JobRecord.waiting_for.set(busy.message)])
        logger.info(
            "Source asked to wait", extra={"import_id": job.job_id, "seconds": busy.wait_seconds}
        )
        return {
            **state,
            "next": "wait",
            "wait_seconds": busy.wait_seconds,
            "steps": state["steps"] + 1,
        }

    if job.waiting_for:
        # The wait is over: say so before the page's entries are written, not after.
        job.update(actions=[JobRecord.waiting_for.remove()])
    _write_page(job, entries, cursor)
    if next_page:
        following = {"window": cursor["window"], "page": next_page, "done_in_page": 0}
    else:
        following = {"window": cursor["window"] + 1, "page": None, "done_in_page": 0}
    job.update(
        actions=[
            JobRecord.skipped_records.add(skipped),
            JobRecord.total_records.add(skipped),
            JobRecord.pages_done.add(1),
            JobRecord.cursor.set(json.dumps(following)),
            JobRecord.waiting_for.remove(),
        ]
    )
    finished = following["window"] >= len(windows)
    return {**state, "next": "done" if finished else "page", "steps": state["steps"] + 1}


# What an entry holds apart from which import wrote it and when.
_BOOKKEEPING = frozenset({"import_id", "created_at"})


def _content(entry: TimeEntryRecord) -> dict:
    """The entry's values; an empty one counts as absent, since a stored item leaves it out."""
    return {
        name: value
        for name, value in entry.attribute_values.items()
        if name not in _BOOKKEEPING and value is not None
    }


def _changed_entries(entries: list[TimeEntryRecord]) -> list[TimeEntryRecord]:
    """The entries that are new or differ from the stored ones (edited at the source since an
    earlier import). An edited entry keeps its first `created_at`; one that is the same as
    stored is left alone, so importing the same range again writes nothing."""
    stored = {item.sk: item for item in TimeEntryRecord.batch_get([(e.pk, e.sk) for e in entries])}
    changed = []
    for entry in entries:
        earlier = stored.get(entry.sk)
        if earlier is None:
            changed.append(entry)
        elif _content(earlier) != _content(entry):
            entry.created_at = earlier.created_at
            changed.append(entry)
    return changed


def _write_page(job: JobRecord, entries, cursor: dict) -> None:
    """Write the page's entries in batches, each followed by one progress update that also
    records how far into the page we are, so a retry skips what is already counted. Entries
    already stored unchanged count as skipped."""
    catalog = Catalog(job.user_id)
    created_at = utc_now()
    done = cursor["done_in_page"]
    while done < len(entries):
        batch = entries[done : done + WRITE_BATCH]
        records = [entry_from_source(entry, job, catalog, created_at) for entry in batch]
        changed = _changed_entries(records)
        with BatchWriter(TimeEntryRecord) as writer:
            for record in changed:
                writer.save(record)
        done += len(batch)
        job.update(
            actions=[
                JobRecord.successful_records.add(len(changed)),
                JobRecord.skipped_records.add(len(batch) - len(changed)),
                JobRecord.total_records.add(len(batch)),
                JobRecord.cursor.set(json.dumps({**cursor, "done_in_page": done})),
            ]
        )


def failure_message(source: str, failure: dict) -> str:
    """What the person reads when the state machine gave up, from the caught error."""
    name = SOURCE_NAMES.get(source, source)
    error = failure.get("Error", "")
    try:
        cause = json.loads(failure.get("Cause") or "{}").get("errorMessage", "")
    except (TypeError, ValueError):
        cause = ""
    if error == "SourceRejected" and cause:
        return cause
    if error == "SourceUnavailable":
        return f"{name} kept failing after several retries ({cause or 'no answer'}); run the import again later"
    return (
        "The import stopped on an internal error; run it again (entries already imported stay once)"
    )


def finish_source_import(state: dict) -> dict:
    """The job's final status, and the token deleted, however the execution ended."""
    job = JobRecord.get(state["user_id"], state["import_id"], consistent_read=True)
    try:
        if job.status in FINAL_STATUSES:
            return {"status": job.status}
        failure = state.get("failure")
        if failure:
            fail_job(job, failure_message(job.job_type, failure))
            job.update(actions=[JobRecord.waiting_for.remove()])
            return {"status": FAILED}
        status = PARTIAL if job.failed_records else COMPLETED
        now = utc_now()
        job.update(
            actions=[
                JobRecord.status.set(status),
                JobRecord.completed_at.set(now),
                JobRecord.waiting_for.remove(),
                *expiry_actions(job, now),
            ]
        )
        return {"status": status}
    finally:
        delete_token(job.user_id, job.job_id)
