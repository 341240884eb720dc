"""Restoring a backup (admins): validate the whole file, back up what it replaces, replace.

The worker reads the file as a stream, several times, and never holds it whole:

1. shape: the header (format, version, sections), every record's fields, duplicate keys, and
   that each section holds as many records as the header says;
2. references: every record's user, client, project and task exist once the restore is done,
   and so do those of the stored records the restore keeps (a file that replaces projects
   but not time entries must still hold every project a kept entry points to);
3. a pre-restore backup of exactly the sections the file replaces, named in the job summary;
4. the writes: each section in the file replaces the stored one; sections not in the file are
   left alone.

Nothing is written before steps 1-3 succeed. A refused file fails the job with one error per
problem: `row` is the line of the decompressed file (the header is line 1; 0 for a stored
record), `column` is `<section>.<field>`.

The admin running the restore keeps their access whatever the file holds: their profile,
username and tokens stay as they are, and the file's record of them (same user id) is skipped.
A file user who has the admin's username under another id is refused, as usernames are unique.
API tokens are not in backups: restored users who had none here need a new one.

The keys of the sections being replaced are held in memory (tens of bytes per record).
"""

import json
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from timeport.clock import utc_now
from timeport.domain.catalog import normalise_name
from timeport.domain.entries import start_key
from timeport.domain.users import Caller, get_user
from timeport.errors import BadRequest, PayloadTooLarge
from timeport.formats.backup import (
    FORMAT,
    FORMAT_VERSION,
    HELD_SECTIONS,
    NOT_HELD_SECTIONS,
    ROW_MODELS,
    SECTIONS,
    LineTooLong,
    parse_json_line,
    read_lines,
)
from timeport.ids import new_id
from timeport.jobs.backups import create_backup_job, current_records
from timeport.jobs.export_runner import write_export
from timeport.jobs.records import (
    COMPLETED,
    FAILED,
    MAX_STORED_ERRORS,
    create_job,
    expiry_actions,
    fail_job,
    release_lease,
    take_job,
)
from timeport.settings import get_settings
from timeport.storage.files import (
    object_size,
    open_object,
    presigned_upload,
    put_bytes,
    restore_upload_key,
)
from timeport.storage.models import (
    ClientRecord,
    JobRecord,
    ProjectRecord,
    RowError,
    TaskRecord,
    TimeEntryRecord,
    TokenRecord,
    UsernameClaim,
    UserRecord,
    user_pk,
)

logger = Logger(child=True)
BACKUP_CONTENT_TYPE = "application/gzip"
MAX_ATTEMPTS = 3
_JOB_PREFIXES = {"import": "imp_", "export": "exp_"}
# (field, section it points to); a None value points nowhere.
REFERENCES = {
    "clients": (("user_id", "users"),),
    "projects": (("user_id", "users"), ("client_id", "clients")),
    "tasks": (("user_id", "users"), ("project_id", "projects")),
    "time_entries": (
        ("user_id", "users"),
        ("project_id", "projects"),
        ("client_id", "clients"),
        ("task_id", "tasks"),
    ),
    "jobs": (("user_id", "users"),),
}
_ID_FIELDS = {
    "users": "user_id",
    "clients": "client_id",
    "projects": "project_id",
    "tasks": "task_id",
    "time_entries": "entry_id",
    "jobs": "job_id",
}


# --- starting a restore -------------------------------------------------------------------


def start_restore_upload(caller: Caller, s3_client=None) -> dict:
    key = restore_upload_key(caller.user_id, new_id())
    return {
        "upload_key": key,
        "upload_url": presigned_upload(key, BACKUP_CONTENT_TYPE, s3_client),
        "method": "PUT",
        "headers": {"Content-Type": BACKUP_CONTENT_TYPE},
        "expires_in": get_settings().upload_url_ttl_seconds,
    }


def accept_restore_file(caller: Caller, content: bytes, s3_client=None) -> str:
    """Store a backup sent in the request body; returns its upload key."""
    limit = get_settings().max_direct_upload_bytes
    if not content:
        raise BadRequest("file: the backup file is empty")
    if len(content) > limit:
        raise PayloadTooLarge(
            f"The file is larger than {limit // (1024 * 1024)} MB: ask POST "
            "/api/backup/restore/upload-url for an upload URL and send the file there"
        )
    key = restore_upload_key(caller.user_id, new_id())
    put_bytes(key, content, BACKUP_CONTENT_TYPE, s3_client)
    return key


def start_restore(caller: Caller, upload_key: str, invoke_worker, s3_client=None) -> JobRecord:
    """Check that the upload is the caller's and exists, then start the restore job."""
    prefix = restore_upload_key(caller.user_id, "")[: -len(".jsonl.gz")]
    if not upload_key.startswith(prefix) or "/" in upload_key[len(prefix) :]:
        raise BadRequest("upload_key: not an upload key this service gave you")
    if object_size(upload_key, s3_client) is None:
        raise BadRequest(
            "upload_key: nothing was uploaded there yet; PUT the file to its upload_url first"
        )
    job = create_job(
        caller.user_id,
        "import",
        "backup",
        source_file=upload_key.rsplit("/", 1)[-1],
        s3_key=upload_key,
    )
    invoke_worker({"user_id": caller.user_id, "import_id": job.job_id})
    return job


# --- validation ---------------------------------------------------------------------------


class Refused(Exception):
    """The file failed validation; `problems` are RowError-shaped dicts."""

    def __init__(self, problems: list[dict], omitted: int = 0):
        super().__init__(f"{len(problems) + omitted} problem(s)")
        self.problems = problems
        self.omitted = omitted


class _Problems:
    def __init__(self):
        self.items: list[dict] = []
        self.omitted = 0

    def add(self, row: int, column: str | None, value, message: str) -> None:
        if len(self.items) >= MAX_STORED_ERRORS:
            self.omitted += 1
            return
        shown = None if value is None else str(value)[:200]
        self.items.append({"row": row, "column": column, "value": shown, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            raise Refused(self.items, self.omitted)


def record_key(section: str, record: dict):
    """The record's identity, as references name it."""
    if section == "users":
        return record["user_id"]
    return (record["user_id"], record[_ID_FIELDS[section]])


def unique_keys(section: str, record: dict) -> list[tuple[str, object]]:
    """(what, value) pairs that must be unique in a section: its id, and the names the data
    table keys items by."""
    keys = [(_ID_FIELDS[section], record_key(section, record))]
    user_id = record["user_id"]
    if section == "users":
        keys.append(("username", record["username"].lower()))
    elif section in ("clients", "projects"):
        keys.append(("name", (user_id, normalise_name(record["name"]))))
    elif section == "tasks":
        keys.append(("name", (user_id, record["project_id"], normalise_name(record["name"]))))
    return keys


def _records(source) -> Iterator[tuple[int, str, dict]]:
    """(line, section, raw record) of every line after the header, for a file that passed
    the shape check."""
    for number, line in source:
        if number > 1:
            item = parse_json_line(line)
            yield number, item["section"], item["record"]


class Plan:
    """What a validated file will do: its sections and the keys of their records."""

    def __init__(self, header: dict):
        self.header = header
        self.sections: list[str] = [name for name in SECTIONS if name in header["sections"]]
        self.keys: dict[str, set] = {name: set() for name in self.sections}

    @property
    def replaced(self) -> list[str]:
        return [name for name in self.sections if name in HELD_SECTIONS]


def _check_header(number: int, line: bytes, problems: _Problems) -> dict | None:
    try:
        header = parse_json_line(line)
    except ValueError:
        problems.add(number, "header", None, "the first line is not a JSON header record")
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        problems.add(number, "header.format", None, f"not a backup: format must be '{FORMAT}'")
        return None
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        problems.add(
            number,
            "header.format_version",
            version,
            f"format_version {version} is not supported; this service reads {FORMAT_VERSION}",
        )
        return None
    sections = header.get("sections")
    if not isinstance(sections, dict) or not sections:
        problems.add(number, "header.sections", None, "must name each section with its count")
        return None
    for name, count in sections.items():
        if name not in SECTIONS:
            problems.add(number, f"header.sections.{name}", name, "not a section of this format")
        elif not isinstance(count, int) or isinstance(count, bool) or count < 0:
            problems.add(number, f"header.sections.{name}", count, "must be a whole number >= 0")
    return header


def check_shape(source, admin: Caller, problems: _Problems) -> Plan | None:
    """Pass 1: header, every record's fields, duplicates, counts. Returns the plan or None."""
    plan = None
    counts: Counter = Counter()
    seen: dict[str, dict] = {}
    for number, line in source:
        if number == 1:
            header = _check_header(number, line, problems)
            if header is None:
                return None
            plan = Plan(header)
            continue
        try:
            item = parse_json_line(line)
        except ValueError:
            problems.add(number, None, None, "not a JSON record")
            continue
        if not isinstance(item, dict) or set(item) != {"section", "record"}:
            problems.add(number, None, None, 'a record line is {"section": ..., "record": ...}')
            continue
        section = item["section"]
        if section not in plan.keys:
            problems.add(number, "section", section, "section not named in the header")
            continue
        counts[section] += 1
        if section in NOT_HELD_SECTIONS:
            problems.add(number, section, None, "this service holds no records of this section")
            continue
        try:
            record = ROW_MODELS[section].model_validate(item["record"]).model_dump()
        except ValidationError as error:
            for detail in error.errors():
                field = ".".join(str(part) for part in detail["loc"]) or "record"
                value = detail.get("input") if detail["type"] != "missing" else None
                problems.add(number, f"{section}.{field}", value, detail["msg"])
            continue
        _check_record(number, section, record, admin, seen, problems)
        plan.keys[section].add(record_key(section, record))
    if plan is None:
        problems.add(1, "header", None, "the file is empty")
        return None
    for name in plan.sections:
        if counts[name] != plan.header["sections"][name]:
            problems.add(
                1,
                f"header.sections.{name}",
                plan.header["sections"][name],
                f"the header gives {plan.header['sections'][name]} records, "
                f"the file holds {counts[name]}",
            )
    return plan


def _check_record(number, section, record, admin, seen, problems) -> None:
    for what, key in unique_keys(section, record):
        table = seen.setdefault(f"{section}.{what}", {})
        if key in table:
            problems.add(
                number,
                f"{section}.{what}",
                key if isinstance(key, str) else key[-1],
                f"the same {what} as the record on line {table[key]}",
            )
        else:
            table[key] = number
    if (
        section == "users"
        and record["user_id"] != admin.user_id
        and record["username"].lower() == admin.username.lower()
    ):
        problems.add(
            number,
            "users.username",
            record["username"],
            "this is the username of the admin running the restore, under another user id; "
            "run the restore as an admin with another username",
        )
    if section == "time_entries" and _moment(record["end_time"]) < _moment(record["start_time"]):
        problems.add(number, "time_entries.end_time", record["end_time"], "before start_time")
    if section == "jobs" and not record["job_id"].startswith(_JOB_PREFIXES[record["kind"]]):
        problems.add(
            number,
            "jobs.job_id",
            record["job_id"],
            f"a {record['kind']} job's id starts with {_JOB_PREFIXES[record['kind']]}",
        )


def known_keys(plan: Plan, admin: Caller) -> dict[str, set]:
    """The keys each referenced section will hold after the restore."""
    known = {}
    for section in ("users", "clients", "projects", "tasks"):
        if section in plan.keys:
            known[section] = set(plan.keys[section])
        else:
            known[section] = {record_key(section, r) for r in current_records(section)}
    known["users"].add(admin.user_id)
    return known


def _reference_problems(section: str, record: dict, known: dict) -> Iterator[tuple[str, str]]:
    for field, target in REFERENCES.get(section, ()):
        value = record.get(field)
        if value is None:
            continue
        key = value if target == "users" else (record["user_id"], value)
        if key not in known[target]:
            yield field, f"no {target} record with {_ID_FIELDS[target]} '{value}'"


def check_references(plan: Plan, source, known: dict, problems: _Problems) -> None:
    """Pass 2: the file's references, then those of the stored records that stay."""
    for number, section, raw in _records(source):
        record = ROW_MODELS[section].model_validate(raw).model_dump()
        for field, message in _reference_problems(section, record, known):
            problems.add(number, f"{section}.{field}", record[field], message)
    replaced = set(plan.replaced)
    for section, references in REFERENCES.items():
        if section in replaced or not replaced & {target for _, target in references}:
            continue
        for record in current_records(section):
            for field, message in _reference_problems(section, record, known):
                problems.add(
                    0,
                    f"{section}.{field}",
                    record[field],
                    f"a stored {section} record ({_ID_FIELDS[section]} "
                    f"'{record[_ID_FIELDS[section]]}') that this file leaves in place would "
                    f"point nowhere: {message}; include section {section} in the file",
                )


def validate(open_file, admin: Caller) -> Plan:
    """Passes 1 and 2 over a fresh stream each (`open_file()`); raises Refused."""
    problems = _Problems()
    try:
        plan = check_shape(read_lines(open_file()), admin, problems)
        problems.raise_if_any()
        known = known_keys(plan, admin)
        check_references(plan, read_lines(open_file()), known, problems)
    except (OSError, EOFError, zlib.error, LineTooLong) as error:
        problems.add(0, None, None, _unreadable(error))
    problems.raise_if_any()
    return plan


def _unreadable(error: Exception) -> str:
    if isinstance(error, LineTooLong):
        return str(error)
    if isinstance(error, EOFError):
        return "the file is cut short (its gzip stream does not end)"
    return "the file is not a gzip-compressed backup"


# --- writing ------------------------------------------------------------------------------


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def to_item(section: str, r: dict):
    """The stored item of a backup record."""
    pk = user_pk(r["user_id"])
    created = _moment(r["created_at"])
    if section == "users":
        return UserRecord(
            pk, "PROFILE", user_id=r["user_id"], username=r["username"], email=r["email"],
            role=r["role"], timezone=r["timezone"], created_at=created,
        )  # fmt: skip
    if section == "clients":
        sk = f"CLIENT#{normalise_name(r['name'])}"
        return ClientRecord(pk, sk, client_id=r["client_id"], name=r["name"], created_at=created)
    if section == "projects":
        return ProjectRecord(
            pk, f"PROJECT#{normalise_name(r['name'])}", project_id=r["project_id"],
            name=r["name"], client_id=r["client_id"], client_name=r["client_name"],
            created_at=created,
        )  # fmt: skip
    if section == "tasks":
        return TaskRecord(
            pk, f"TASK#{r['project_id']}#{normalise_name(r['name'])}", task_id=r["task_id"],
            name=r["name"], project_id=r["project_id"], created_at=created,
        )  # fmt: skip
    if section == "time_entries":
        start = _moment(r["start_time"])
        fields = {k: v for k, v in r.items() if k not in ("start_time", "end_time", "created_at")}
        return TimeEntryRecord(
            pk, f"ENTRY#{r['entry_id']}", start_key=start_key(start, r["entry_id"]),
            start_time=start, end_time=_moment(r["end_time"]), created_at=created, **fields,
        )  # fmt: skip
    expires_at = _moment(r["expires_at"])
    fields = {k: v for k, v in r.items() if not k.endswith("_at") and k != "errors"}
    return JobRecord(
        created_at=created, started_at=_moment(r["started_at"]),
        completed_at=_moment(r["completed_at"]), expires_at=expires_at,
        expires_at_epoch=expires_at, errors=[RowError(**error) for error in r["errors"]],
        **fields,
    )  # fmt: skip


def _item_key(item) -> tuple:
    if isinstance(item, JobRecord):
        return (item.user_id, item.job_id)
    return (item.pk, item.sk)


MODELS = {
    "users": UserRecord,
    "clients": ClientRecord,
    "projects": ProjectRecord,
    "tasks": TaskRecord,
    "time_entries": TimeEntryRecord,
    "jobs": JobRecord,
}


def _replace_section(section: str, source, protected: set) -> dict:
    """Write the file's records of one section and delete the stored ones it does not hold."""
    counts = {"restored": 0, "replaced": 0, "removed": 0, "kept": 0}
    model = MODELS[section]
    stored = {}
    for record in current_records(section):
        item = to_item(section, record)
        # Only users need their old item (username claim, tokens); the rest need the key.
        stored[_item_key(item)] = item if section == "users" else None
    written: set = set()
    with model.batch_write() as batch:
        for _, name, raw in _records(source):
            if name != section:
                continue
            item = to_item(section, ROW_MODELS[section].model_validate(raw).model_dump())
            key = _item_key(item)
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
                _drop_user(stored[key])
            batch.delete(model(*key))
            counts["removed"] += 1
    return counts


def _move_username_claim(previous: UserRecord | None, profile: UserRecord) -> None:
    if previous is not None and previous.username.lower() != profile.username.lower():
        UsernameClaim(f"USERNAME#{previous.username.lower()}", "USERNAME").delete()
    UsernameClaim(
        f"USERNAME#{profile.username.lower()}", "USERNAME", user_id=profile.user_id
    ).save()


def _drop_user(profile: UserRecord) -> None:
    """A user the restore removes loses their username and every token."""
    UsernameClaim(f"USERNAME#{profile.username.lower()}", "USERNAME").delete()
    with TokenRecord.batch_write() as batch:
        for token in TokenRecord.scan(TokenRecord.user_id == profile.user_id):
            batch.delete(token)


# --- the worker ---------------------------------------------------------------------------


def _pre_restore_backup(admin: Caller, plan: Plan, job: JobRecord, s3_client) -> dict:
    """Back up the sections the file replaces, and name that backup in the job at once, so a
    retry after a crash keeps the backup of the data as it was before any write."""
    backup = create_backup_job(admin, sections=plan.sections, name="pre_restore_backup")
    claimed = take_job(admin.user_id, backup.job_id, get_settings().worker_lease_seconds)
    write_export(claimed, s3_client)
    named = {
        "export_id": backup.job_id,
        "filename": backup.filename,
        "download_url": f"/api/export/download/{backup.job_id}",
    }
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
    _finish(
        job,
        FAILED,
        failed_records=problems,
        errors=[RowError(**problem) for problem in refused.problems],
        errors_omitted=refused.omitted,
        error_message=f"The backup file failed validation ({problems} problem(s), listed in "
        "errors); nothing was changed",
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

    def open_file():
        return open_object(job.s3_key, s3_client)

    try:
        try:
            plan = validate(open_file, admin)
        except Refused as refused:
            return _refuse(job, refused)
        earlier = json.loads(job.summary) if job.summary else {}
        backup = earlier.get("pre_restore_backup") or _pre_restore_backup(
            admin, plan, job, s3_client
        )
        protected = {
            (user_pk(admin.user_id), "PROFILE"),
            (admin.user_id, job.job_id),
            (admin.user_id, backup["export_id"]),
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
