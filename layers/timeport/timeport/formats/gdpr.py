"""The GDPR export layout: one JSON document, or a ZIP of that document plus one CSV per
non-empty list section. Both are written as streams; sections are read again for each pass
rather than held in memory."""

import json
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from timeport.formats.safe_csv import write_csv_file

# Sections the guide lists that this service does not hold yet: exported as empty lists so
# the document's shape never changes when they arrive.
EMPTY_SECTIONS = (
    "expenses",
    "mileage",
    "comments",
    "focus_sessions",
    "saved_filters",
    "calendar_events",
    "weekly_goals",
)
CSV_COLUMNS = {
    "time_entries": (
        "id",
        "project_id",
        "project",
        "client",
        "task",
        "start_time",
        "end_time",
        "duration_seconds",
        "notes",
        "tags",
        "billable",
        "source",
        "import_id",
        "created_at",
    ),
    "projects": ("id", "name", "client_id", "client", "created_at"),
    "clients": ("id", "name", "created_at"),
    "tasks": ("id", "name", "project_id", "created_at"),
}


@dataclass
class GdprDocument:
    """What goes into an export. Each list section is a callable so it can be read more than once."""

    export_info: dict
    user_profile: dict
    sections: dict[str, Callable[[], Iterable[dict]]]


def dumps(value) -> str:
    """Compact JSON that keeps non-ASCII text as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_json(document: GdprDocument, stream) -> int:
    """Write the document as UTF-8 JSON bytes to `stream`; returns the number of list records."""
    write = stream.write
    write(('{"export_info":' + dumps(document.export_info)).encode())
    write((',"user_profile":' + dumps(document.user_profile)).encode())
    records = 0
    for name, rows in document.sections.items():
        write(f',"{name}":['.encode())
        separator = ""
        for row in rows():
            write((separator + dumps(row)).encode())
            separator = ","
            records += 1
        write(b"]")
    for name in EMPTY_SECTIONS:
        write(f',"{name}":[]'.encode())
    write(b"}")
    return records


def write_zip(document: GdprDocument, stream) -> int:
    """Write export.json plus a CSV (UTF-8 with BOM) per non-empty section; returns the record count."""
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(_member("export.json"), mode="w", force_zip64=True) as member:
            records = write_json(document, member)
        for name, rows in document.sections.items():
            iterator = iter(rows())
            first = next(iterator, None)
            if first is None:
                continue
            with archive.open(_member(f"{name}.csv"), mode="w", force_zip64=True) as member:
                write_csv_file(member, CSV_COLUMNS[name], _prepend(first, iterator))
    return records


def _member(name: str) -> zipfile.ZipInfo:
    """A member dated now (zipfile's default for streamed members is 1980-01-01)."""
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _prepend(first, rest):
    yield first
    yield from rest
