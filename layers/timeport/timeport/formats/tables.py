"""Named tables of rows (time entries, projects, ...) written as JSON, CSV (one file, or a ZIP
of one file per table) or XLSX (one sheet per table).

Every writer streams: rows are read once, from an iterable, and never held together. XLSX goes
through openpyxl's write-only mode, which keeps each sheet's rows in a temporary file rather
than in memory. A table with no rows still gets its header row (CSV, XLSX) or its key (JSON).
"""

import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from timeport.formats.gdpr import dumps
from timeport.formats.safe_csv import neutralise, write_csv_file


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterable[dict]]


def write_json(tables: list[Table], stream: BinaryIO) -> int:
    """One key per table holding its rows; returns the number of rows."""
    count = 0
    opening = "{"
    for table in tables:
        stream.write(f"{opening}{dumps(table.name)}:[".encode())
        separator = ""
        for row in table.rows():
            stream.write((separator + dumps({c: row.get(c) for c in table.columns})).encode())
            separator = ","
            count += 1
        stream.write(b"]")
        opening = ","
    stream.write(b"}" if tables else b"{}")
    return count


def write_csv(tables: list[Table], stream: BinaryIO) -> int:
    """One table: one CSV file. Several: a ZIP holding `<name>.csv` per table."""
    if len(tables) == 1:
        (table,) = tables
        return write_csv_file(stream, table.columns, table.rows())
    count = 0
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            with archive.open(f"{table.name}.csv", mode="w", force_zip64=True) as member:
                count += write_csv_file(member, table.columns, table.rows())
    return count


# The control characters an XLSX cell cannot hold (the same set as openpyxl's
# ILLEGAL_CHARACTERS_RE; tests/unit/test_table_formats.py checks that they agree).
XLSX_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(value):
    """Numbers and booleans stay typed; text is neutralised as in CSV (openpyxl would otherwise
    store a text starting with '=' as a formula) and loses the control characters XLSX forbids."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return XLSX_ILLEGAL_CHARACTERS.sub("", str(neutralise(value)))


def write_xlsx(tables: list[Table], stream: BinaryIO) -> int:
    """One sheet per table, header row first; returns the number of data rows."""
    # Imported here: openpyxl takes a fifth of a second to load, and only the export worker
    # writing an XLSX needs it, not the handlers that start exports.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    count = 0
    for table in tables:
        sheet = workbook.create_sheet(title=table.name)
        sheet.append(list(table.columns))
        for row in table.rows():
            sheet.append([xlsx_cell(row.get(column)) for column in table.columns])
            count += 1
    workbook.save(stream)
    return count


WRITERS = {"json": write_json, "csv": write_csv, "xlsx": write_xlsx}
