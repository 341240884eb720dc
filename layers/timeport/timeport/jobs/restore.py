"""Restoring a backup (admins): check the whole file, back up what it replaces, replace.

The worker reads the file as a stream, several times, and never holds it whole:

1. the checks of timeport.jobs.restore_checks (shape, then references);
2. a pre-restore backup of exactly the sections the file holds, named in the job summary as
   soon as it exists, so that restoring it undoes the restore;
3. the writes: each section in the file replaces the stored one (records it does not hold are
   removed); sections not in the file are left alone.

Nothing is written before steps 1 and 2 succeed. A refused file fails the job with one error
per problem.

The admin running the restore keeps their access whatever the file holds: their profile,
username and tokens stay as they are, and the file's record of them (same user id) is skipped.
A file user who has the admin's username under another id is refused, as usernames are unique.
API tokens are not in backups: a removed user loses theirs, and a restored user who had none
here needs a new one. The jobs of the restore itself (its import job and the pre-restore
backup) are kept too.

The stored keys of each section being replaced are held in memory (tens of bytes per record).
A restore does not start while another one is pending or running (checked through the
JobsByKind index, which is eventually consistent: two requests in the same instant could both
pass). Writes from other requests while a restore runs are not excluded: run it in a quiet
moment.
"""

import json

from aws_lambda_powertools import Logger
from pynamodb.exceptions import DeleteError

from timeport.clock import utc_now
from timeport.domain.catalog import normalise_name
from timeport.domain.entries import start_key
from timeport.domain.users import Caller, get_user
from timeport.formats.backup import HELD_SECTIONS, ROW_MODELS, parse_moment, read_lines
from timeport.jobs.backups import create_backup_job, current_records
from timeport.jobs.exclusion import jobs_in_flight_during
from timeport.jobs.export_runner import write_export
from timeport.jobs.records import (
    COMPLETED,
    FAILED,
    expiry_actions,
    export_reference,
    fail_job,
    release_lease,
    take_job,
)
from timeport.jobs.restore_checks import Plan, Refused, records, validate
from timeport.settings import get_settings
from timeport.storage.files import (
    object_etag,
    open_object,
)
from timeport.storage.models import (
    ClientRecord,
    JobRecord,
    ProjectRecord,
    RowError,
    TaskRecord,
    TimeEntryRecord,
    TokenIdRecord,
    TokenRecord,
    UsernameClaim,
    UserRecord,
    user_pk,
)

logger = Logger(child=True)
MAX_ATTEMPTS = 3


def _user(r: dict) -> UserRecord:
    return UserRecord(
        user_pk(r["user_id"]),
        "PROFILE",
        user_id=r["user_id"],
        username=r["username"],
        email=r["email"],
        role=r["role"],
        timezone=r["timezone"],
        created_at=parse_moment(r["created_at"]),
    )


def _client(r: dict) -> ClientRecord:
    return ClientRecord(
        user_pk(r["user_id"]),
        f"CLIENT#{normalise_name(r['name'])}",
        client_id=r["client_id"],
        name=r["name"],
        created_at=parse_moment(r["created_at"]),
    )


def _project(r: dict) -> ProjectRecord:
    return ProjectRecord(
        user_pk(r["user_id"]),
        f"PROJECT#{normalise_name(r['name'])}",
        project_id=r["project_id"],
        name=r["name"],
        client_id=r["client_id"],
        client_name=r["client_name"],
        created_at=parse_moment(r["created_at"]),
    )


def _task(r: dict) -> TaskRecord:
    return TaskRecord(
        user_pk(r["user_id"]),
        f"TASK#{r['project_id']}#{normalise_name(r['name'])}",
        task_id=r["task_id"],
        name=r["name"],
        project_id=r["project_id"],
        created_at=parse_moment(r["created_at"]),
    )


def _time_entry(r: dict) -> TimeEntryRecord:
    start = parse_moment(r["start_time"])
    fields = {k: v for k, v in r.items() if k not in ("start_time", "end_time", "created_at")}
    return TimeEntryRecord(
        user_pk(r["user_id"]),
        f"ENTRY#{r['entry_id']}",
        start_key=start_key(start, r["entry_id"]),
        start_time=start,
        end_time=parse_moment(r["end_time"]),
        created_at=parse_moment(r["created_at"]),
        **fields,
    )


def _job(r: dict) -> JobRecord:
    expires_at = parse_moment(r["expires_at"])
    fields = {k: v for k, v in r.items() if not k.endswith("_at") and k != "errors"}
    return JobRecord(
        created_at=parse_moment(r["created_at"]),
        started_at=parse_moment(r["started_at"]),
        completed_at=parse_moment(r["completed_at"]),
        expires_at=expires_at,
        expires_at_epoch=expires_at,
        errors=[RowError(**error) for error in r["errors"]],
        **fields,
    )


# section: (model, stored item of a record, the item's table key)
ITEMS = {
    "users": (UserRecord, _user, lambda item: (item.pk, item.sk)),
    "clients": (ClientRecord, _client, lambda item: (item.pk, item.sk)),
    "projects": (ProjectRecord, _project, lambda item: (item.pk, item.sk)),
    "tasks": (TaskRecord, _task, lambda item: (item.pk, item.sk)),
    "time_entries": (TimeEntryRecord, _time_entry, lambda item: (item.pk, item.sk)),
    "jobs": (JobRecord, _job, lambda item: (item.user_id, item.job_id)),
}


def _replace_section(section: str, source, protected: set) -> dict:
    """Write the file's records of one section and delete the stored ones it does not hold."""
    counts = {"restored": 0, "replaced": 0, "removed": 0, "kept": 0}
    model, to_item, key_of = ITEMS[section]
    stored = {}
    for record in current_records(section):
        item = to_item(record)
        # Only users need their old item (username claim); the rest need the key.
        stored[key_of(item)] = item if section == "users" else None
    written: set = set()
    with model.batch_write() as batch:
        for _, name, raw in records(source):
            if name != section:
                continue
            record = ROW_MODELS[section].model_validate(raw).model_dump()
            item = to_item(record)
            key = key_of(item)
            if key in protected:
                counts["kept"] += 1
                continue
            if section == "users":
                _move_username_claim(stored.get(key), item)
            batch.save(item)
            written.add(key)
            counts["restored"] += 1
            counts["replaced"] += key in stored
        for key in stored.keys() - written - protected:
            if section == "users":
                _drop_username(stored[key])
            batch.delete(model(*key))
            counts["removed"] += 1
    if section == "users" and counts["removed"]:
        _drop_orphan_tokens()
    return counts


def _move_username_claim(previous: UserRecord | None, profile: UserRecord) -> None:
    if previous is not None and previous.username.lower() != profile.username.lower():
        _drop_username(previous)
    UsernameClaim(
        f"USERNAME#{profile.username.lower()}", "USERNAME", user_id=profile.user_id
    ).save()


def _drop_username(profile: UserRecord) -> None:
    """Free the user's username, unless a restored user has already claimed it."""
    claim = UsernameClaim(f"USERNAME#{profile.username.lower()}", "USERNAME")
    try:
        claim.delete(condition=UsernameClaim.user_id == profile.user_id)
    except DeleteError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def _drop_orphan_tokens() -> None:
    """Delete the tokens of users the restore removed: one Scan of the token items."""
    users = {record["user_id"] for record in current_records("users")}
    with TokenRecord.batch_write() as batch:
        for token in TokenRecord.scan(TokenRecord.sk == "TOKEN"):
            if token.user_id not in users:
                batch.delete(token)
        for index in TokenIdRecord.scan(TokenIdRecord.sk == "TOKENID"):
            if index.user_id not in users:
                batch.delete(index)


def _pre_restore_backup(admin: Caller, plan: Plan, job: JobRecord, s3_client) -> dict:
    """Back up the sections the file replaces, and name that backup in the job at once, so a
    retry after a crash keeps the backup of the data as it was before any write."""
    backup = create_backup_job(
        admin, sections=plan.sections, name="pre_restore_backup", for_restore=job.job_id
    )
    claimed = take_job(admin.user_id, backup.job_id, get_settings().worker_lease_seconds)
    write_export(claimed, s3_client)
    named = export_reference(backup)
    job.update(actions=[JobRecord.summary.set(json.dumps({"pre_restore_backup": named}))])
    return named


def _finish(job: JobRecord, status: str, **fields) -> None:
    now = utc_now()
    actions = [
        JobRecord.status.set(status),
        JobRecord.completed_at.set(now),
        JobRecord.lease_until.remove(),
        *expiry_actions(job, now),
    ]
    for name, value in fields.items():
        actions.append(getattr(JobRecord, name).set(value))
    job.update(actions=actions)


def _refuse(job: JobRecord, refused: Refused) -> str:
    problems = len(refused.problems) + refused.omitted
    found = f"{problems} problem(s), listed in errors"
    if refused.stopped_at is not None:
        found = (
            f"{problems} problem(s) before the check stopped at line {refused.stopped_at}; "
            f"the first {len(refused.problems)} are listed in errors"
        )
    _finish(
        job,
        FAILED,
        failed_records=problems,
        errors=[RowError(**problem) for problem in refused.problems],
        errors_omitted=refused.omitted,
        error_message=f"The backup file failed validation ({found}); nothing was changed",
    )
    logger.info("Restore refused", extra={"import_id": job.job_id, "problems": problems})
    return FAILED


def run_restore(user_id: str, import_id: str, s3_client=None) -> str:
    """What the restore worker does for one invoke; returns what happened, for the log."""
    job = take_job(user_id, import_id, get_settings().worker_lease_seconds)
    if job is None:
        return "skipped"
    profile = get_user(user_id)
    admin = Caller(profile.user_id, profile.username, profile.role, profile.timezone)

    # Every pass reads the version the first one checked: an upload to the same URL meanwhile
    # makes the read fail rather than restore a file nobody validated.
    etag = object_etag(job.s3_key, s3_client)

    def open_file():
        return open_object(job.s3_key, s3_client, etag)

    try:
        try:
            plan = validate(open_file, admin)
        except Refused as refused:
            return _refuse(job, refused)
        earlier = json.loads(job.summary) if job.summary else {}
        backup = earlier.get("pre_restore_backup") or _pre_restore_backup(
            admin, plan, job, s3_client
        )
        # The admin's own backups and restores stay whatever the file holds: the file being
        # restored is itself one of those backups, and undoing needs the pre-restore one.
        protected = {
            (user_pk(admin.user_id), "PROFILE"),
            (admin.user_id, job.job_id),
            (admin.user_id, backup["export_id"]),
            *(
                (admin.user_id, own.job_id)
                for own in JobRecord.query(admin.user_id)
                if own.job_type == "backup"
            ),
            *((other.user_id, other.job_id) for other in jobs_in_flight_during(job)),
        }
        sections = {}
        for section in plan.sections:
            if section in HELD_SECTIONS:
                sections[section] = _replace_section(section, read_lines(open_file()), protected)
            else:
                sections[section] = {"restored": 0, "replaced": 0, "removed": 0, "kept": 0}
    except Exception:
        logger.exception(
            "Restore interrupted", extra={"import_id": import_id, "attempt": job.attempt}
        )
        if job.attempt >= MAX_ATTEMPTS:
            fail_job(
                job,
                f"The restore stopped on an internal error {job.attempt} times; restore the "
                f"pre-restore backup named in the summary to undo it (reference {import_id})",
            )
            return FAILED
        release_lease(job)
        raise
    summary = {"pre_restore_backup": backup, "admin_kept": admin.user_id, "sections": sections}
    restored = sum(counts["restored"] + counts["kept"] for counts in sections.values())
    _finish(
        job,
        COMPLETED,
        total_records=sum(plan.header["sections"].values()),
        successful_records=restored,
        summary=json.dumps(summary),
    )
    logger.info(
        "Restore finished",
        extra={"import_id": import_id, "sections": sections, "backup": backup["export_id"]},
    )
    return COMPLETED
