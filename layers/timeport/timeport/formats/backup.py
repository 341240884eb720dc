"""The backup file, format version 1: gzip-compressed JSON lines.

The decompressed file is UTF-8 text, one JSON object per line. The first line is the header:

    {"format": "timeport-backup", "format_version": 1, "created_at": "2026-12-04T16:00:00Z",
     "sections": {"users": 3, "clients": 2, ..., "invoices": 0}}

`sections` names every section the file holds, with its exact number of records. Every later
line is one record of one of those sections:

    {"section": "time_entries", "record": {"entry_id": "...", "user_id": "...", ...}}

The fields of each section are the models below; times are UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`
(the fraction may be left out). A
restore replaces exactly the sections named in the header, so a file may hold only some of
them. Sections the service does not hold yet (expenses, comments, settings, invoices,
payments) are written with 0 records so that the shape stays the same when they arrive. API
token hashes and third-party credentials are never written.

The file may be several gzip members one after the other (the header is its own member);
every gzip reader, including `gunzip` and Python's gzip module, reads them as one stream.
"""

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, BinaryIO, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)

from timeport.formats.gdpr import dumps

FORMAT = "timeport-backup"
FORMAT_VERSION = 1
HELD_SECTIONS = ("users", "clients", "projects", "tasks", "time_entries", "jobs")
NOT_HELD_SECTIONS = ("expenses", "comments", "settings", "invoices", "payments")
SECTIONS = HELD_SECTIONS + NOT_HELD_SECTIONS
MAX_LINE_BYTES = 2 * 1024 * 1024
# JSON lines of real backups shrink about 5 to 20 times under gzip; a file that grows more
# than MAX_EXPANSION times (past the first few MB) is built to exhaust memory or time.
MAX_EXPANSION = 200
EXPANSION_CHECKED_AFTER_BYTES = 8 * 1024 * 1024


def _real_moment(text: str) -> str:
    datetime.fromisoformat(text)
    return text


def _known_zone(name: str) -> str:
    if name not in available_timezones() and name != "UTC":
        raise ValueError(f"'{name}' is not an IANA time zone name")
    return name


Timestamp = Annotated[
    StrictStr,
    Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"),
    AfterValidator(_real_moment),
]
Id = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Text = Annotated[StrictStr, Field(max_length=100_000)]
Count = Annotated[StrictInt, Field(ge=0)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UserRow(_Record):
    user_id: Id
    username: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    email: Annotated[StrictStr, Field(min_length=3, max_length=320)]
    role: Literal["user", "admin"]
    timezone: Annotated[StrictStr, AfterValidator(_known_zone)]
    created_at: Timestamp


class ClientRow(_Record):
    user_id: Id
    client_id: Id
    name: Name
    created_at: Timestamp


class ProjectRow(_Record):
    user_id: Id
    project_id: Id
    name: Name
    client_id: Id
    client_name: Name
    created_at: Timestamp


class TaskRow(_Record):
    user_id: Id
    task_id: Id
    project_id: Id
    name: Name
    created_at: Timestamp


class TimeEntryRow(_Record):
    """An entry imported from Toggl or Harvest may have no project (and so no client)."""

    user_id: Id
    entry_id: Id
    project_id: Id | None
    project_name: Name | None
    client_id: Id | None
    client_name: Name | None
    task_id: Id | None
    task_name: Name | None
    start_time: Timestamp
    end_time: Timestamp
    duration_seconds: Count
    notes: Text | None
    tags: list[Annotated[StrictStr, Field(min_length=1, max_length=100_000)]]
    billable: StrictBool
    source: Annotated[StrictStr, Field(min_length=1, max_length=32)]
    import_id: Id | None
    source_id: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = None
    created_at: Timestamp


class JobErrorRow(_Record):
    row: Count
    column: Text | None
    value: Text | None
    message: Text


class JobRow(_Record):
    user_id: Id
    job_id: Id
    kind: Literal["import", "export"]
    job_type: Annotated[StrictStr, Field(min_length=1, max_length=32)]
    status: Literal["pending", "processing", "completed", "partial", "failed"]
    export_format: Annotated[StrictStr, Field(max_length=32)] | None
    source_file: Text | None
    filename: Text | None
    s3_key: Text | None
    total_records: Count
    successful_records: Count
    failed_records: Count
    record_count: Count
    file_size: Count
    errors: list[JobErrorRow]
    errors_omitted: Count
    error_message: Text | None
    filters: Text | None
    summary: Text | None
    skipped_records: Count = 0
    pages_done: Count = 0
    source_params: dict[str, StrictStr] | None = None
    cursor: Text | None = None
    waiting_for: Text | None = None
    created_at: Timestamp
    started_at: Timestamp | None
    completed_at: Timestamp | None
    expires_at: Timestamp | None


ROW_MODELS: dict[str, type[_Record]] = {
    "users": UserRow,
    "clients": ClientRow,
    "projects": ProjectRow,
    "tasks": TaskRow,
    "time_entries": TimeEntryRow,
    "jobs": JobRow,
}


def header_line(created_at: str, counts: dict[str, int]) -> bytes:
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at,
        "sections": counts,
    }
    return (dumps(header) + "\n").encode()


def record_line(section: str, record: dict) -> bytes:
    return (dumps({"section": section, "record": record}) + "\n").encode()


class UnsafeFile(ValueError):
    """A file this service will not read on: what is wrong is the message."""


class LineTooLong(UnsafeFile):
    pass


class CompressionBomb(UnsafeFile):
    pass


class _CountingReader:
    """Counts the compressed bytes the gzip reader has taken from the source so far."""

    def __init__(self, source: BinaryIO):
        self._source = source
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.bytes_read += len(data)
        return data


def read_lines(source: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of the decompressed file, read as a stream.

    Raises gzip.BadGzipFile or zlib.error for a file that is not gzip, EOFError for one that is
    cut short, LineTooLong for a line no record could need (an item of DynamoDB is at most
    400 KB), CompressionBomb for a file that expands more than MAX_EXPANSION times.
    """
    compressed = _CountingReader(source)
    with gzip.GzipFile(fileobj=compressed, mode="rb") as text:
        number = 0
        expanded = 0
        while line := text.readline(MAX_LINE_BYTES + 1):
            number += 1
            expanded += len(line)
            if (
                expanded > EXPANSION_CHECKED_AFTER_BYTES
                and expanded > MAX_EXPANSION * compressed.bytes_read
            ):
                raise CompressionBomb(
                    f"the file expands more than {MAX_EXPANSION} times when decompressed "
                    f"(by line {number}); a backup never does, so it is not read further"
                )
            if len(line) > MAX_LINE_BYTES:
                raise LineTooLong(f"line {number} is longer than {MAX_LINE_BYTES} bytes")
            yield number, line


def parse_json_line(line: bytes):
    """The line's JSON value; ValueError when it is not UTF-8 JSON."""
    return json.loads(line.decode("utf-8"))


def parse_moment(text: str | None) -> datetime | None:
    """A record's time (already checked by its model) as an aware UTC datetime, or None."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)
