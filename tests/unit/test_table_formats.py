"""Filtered-export writers: each format streams, with memory that does not grow with rows."""

import io
import json
import tracemalloc

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from timeport.formats.tables import (
    XLSX_ILLEGAL_CHARACTERS,
    Table,
    write_csv,
    write_json,
    write_xlsx,
    xlsx_cell,
)

COLUMNS = ("id", "notes", "duration_seconds", "billable", "tags")


class CountingSink(io.RawIOBase):
    """A write-only stream that keeps only the number of bytes written to it."""

    def __init__(self):
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size


def rows(count: int) -> Table:
    return Table(
        "time_entries",
        COLUMNS,
        lambda: (
            {
                "id": f"e{n:07d}",
                "notes": f"note {n} " * 4,
                "duration_seconds": n,
                "billable": n % 2 == 0,
                "tags": ["a", "b"],
            }
            for n in range(count)
        ),
    )


def peak_bytes(writer, count: int) -> tuple[int, int]:
    sink = CountingSink()
    tracemalloc.start()
    written = writer([rows(count)], sink)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert written == count
    return peak, sink.size


@pytest.mark.parametrize("writer", [write_json, write_csv, write_xlsx])
def test_memory_stays_flat_from_one_thousand_to_twenty_thousand_rows(writer):
    small_peak, small_size = peak_bytes(writer, 1_000)
    large_peak, large_size = peak_bytes(writer, 20_000)

    assert large_size > 15 * small_size
    assert large_peak < small_peak * 1.5 + 256 * 1024, (small_peak, large_peak)


def test_xlsx_cells_keep_numbers_and_booleans_and_neutralise_formulas():
    assert [xlsx_cell(v) for v in (3, 1.5, True, None)] == [3, 1.5, True, None]
    assert xlsx_cell("=1+1") == "'=1+1"
    assert xlsx_cell("-2 hours") == "'-2 hours"
    assert xlsx_cell(["@a", "b"]) == "'@a;b"
    assert xlsx_cell("bell\x07 rings") == "bell rings"


def test_an_empty_table_keeps_its_header_in_every_format():
    empty = Table("expenses", ("id", "amount"), lambda: ())

    assert json.loads(_bytes(write_json, empty)) == {"expenses": []}
    assert _bytes(write_csv, empty) == b"\xef\xbb\xbfid,amount\r\n"
    sheet = load_workbook(io.BytesIO(_bytes(write_xlsx, empty)))["expenses"]
    assert list(sheet.iter_rows(values_only=True)) == [("id", "amount")]


def _bytes(writer, table: Table) -> bytes:
    out = io.BytesIO()
    assert writer([table], out) == 0
    return out.getvalue()


def test_xlsx_cells_drop_exactly_the_characters_openpyxl_refuses():
    every_low_character = "".join(chr(code) for code in range(128))

    assert XLSX_ILLEGAL_CHARACTERS.sub("", every_low_character) == ILLEGAL_CHARACTERS_RE.sub(
        "", every_low_character
    )
