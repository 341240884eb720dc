"""Checks of a backup file before a restore writes anything.

Two passes over the file, each a fresh stream:

1. shape: the header (format, version, sections), every record's fields, duplicate keys, and
   that each section holds as many records as the header says;
2. references: every record's user, client, project and task exist once the restore is done,
   and so do those of the stored records the restore keeps (a file that replaces projects but
   not time entries must still hold every project a kept entry points to).

Each problem is a RowError: `row` is the line of the decompressed file (the header is line 1;
0 for a stored record), `column` is `<section>.<field>`. The keys of the file's records are held
in memory (tens of bytes per record) to find duplicates and check references.
"""

import zlib
from collections import Counter
from collections.abc import Iterator

from pydantic import ValidationError

from timeport.domain.catalog import normalise_name
from timeport.domain.users import Caller
from timeport.formats.backup import (
    FORMAT,
    FORMAT_VERSION,
    HELD_SECTIONS,
    NOT_HELD_SECTIONS,
    ROW_MODELS,
    SECTIONS,
    UnsafeFile,
    parse_json_line,
    parse_moment,
    read_lines,
)
from timeport.jobs.backups import current_records
from timeport.jobs.records import ID_PREFIX, MAX_STORED_ERRORS

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
ID_FIELDS = {
    "users": "user_id",
    "clients": "client_id",
    "projects": "project_id",
    "tasks": "task_id",
    "time_entries": "entry_id",
    "jobs": "job_id",
}


class Refused(Exception):
    """The file failed validation; `problems` are RowError-shaped dicts. `stopped_at` is the
    line where the check gave up reading (too many problems to list), else None."""

    def __init__(self, problems: list[dict], omitted: int = 0, stopped_at: int | None = None):
        super().__init__(f"{len(problems) + omitted} problem(s)")
        self.problems = problems
        self.omitted = omitted
        self.stopped_at = stopped_at


class _Problems:
    def __init__(self):
        self.items: list[dict] = []
        self.omitted = 0
        self.stopped_at: int | None = None

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_STORED_ERRORS

    def add(self, row: int, column: str | None, value, message: str) -> None:
        if len(self.items) >= MAX_STORED_ERRORS:
            self.omitted += 1
            return
        shown = None if value is None else str(value)[:200]
        self.items.append({"row": row, "column": column, "value": shown, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            raise Refused(self.items, self.omitted, self.stopped_at)


def record_key(section: str, record: dict):
    """The record's identity, as references name it."""
    if section == "users":
        return record["user_id"]
    return (record["user_id"], record[ID_FIELDS[section]])


def unique_keys(section: str, record: dict) -> list[tuple[str, object]]:
    """(what, value) pairs that must be unique in a section: its id, and the names the data
    table keys items by."""
    keys = [(ID_FIELDS[section], record_key(section, record))]
    user_id = record["user_id"]
    if section == "users":
        keys.append(("username", record["username"].lower()))
    elif section in ("clients", "projects"):
        keys.append(("name", (user_id, normalise_name(record["name"]))))
    elif section == "tasks":
        keys.append(("name", (user_id, record["project_id"], normalise_name(record["name"]))))
    return keys


def records(source) -> Iterator[tuple[int, str, dict]]:
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
        # A file with this many problems is refused whatever the rest holds; reading on
        # would only let a file of junk lines keep the worker busy.
        if problems.full:
            problems.stopped_at = number
            return plan
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
    if section == "time_entries" and parse_moment(record["end_time"]) < parse_moment(
        record["start_time"]
    ):
        problems.add(number, "time_entries.end_time", record["end_time"], "before start_time")
    if section == "jobs" and not record["job_id"].startswith(ID_PREFIX[record["kind"]]):
        problems.add(
            number,
            "jobs.job_id",
            record["job_id"],
            f"a {record['kind']} job's id starts with {ID_PREFIX[record['kind']]}",
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
            yield field, f"no {target} record with {ID_FIELDS[target]} '{value}'"


def check_references(plan: Plan, source, known: dict, problems: _Problems) -> None:
    """Pass 2: the file's references, then those of the stored records that stay."""
    for number, section, raw in records(source):
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
                    f"a stored {section} record ({ID_FIELDS[section]} "
                    f"'{record[ID_FIELDS[section]]}') that this file leaves in place would "
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
    except (OSError, EOFError, zlib.error, UnsafeFile) as error:
        problems.add(0, None, None, _unreadable(error))
    problems.raise_if_any()
    return plan


def _unreadable(error: Exception) -> str:
    if isinstance(error, UnsafeFile):
        return str(error)
    if isinstance(error, EOFError):
        return "the file is cut short (its gzip stream does not end)"
    return "the file is not a gzip-compressed backup"
