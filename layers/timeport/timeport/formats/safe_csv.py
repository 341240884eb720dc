"""CSV that a spreadsheet opens without running anything in it.

A text cell that starts with =, +, -, @ (or a tab or carriage return, which some
spreadsheets skip before reading a formula) gets a leading apostrophe. Numbers and booleans
are written as they are, so a negative number stays a number.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import BinaryIO, TextIO

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        value = ";".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_rows(stream: TextIO, columns: Sequence[str], rows: Iterable[dict]) -> int:
    """Write a header and one line per row; returns the number of rows written."""
    writer = csv.writer(stream)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in columns])
        count += 1
    return count


def write_csv_file(stream: BinaryIO, columns: Sequence[str], rows: Iterable[dict]) -> int:
    """Write a whole CSV file (UTF-8 with BOM, so Excel reads it as UTF-8) to a byte stream
    that stays open afterwards; returns the number of rows."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    count = write_rows(text, columns, rows)
    text.flush()
    text.detach()
    return count
