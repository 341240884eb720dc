"""Cutting a CSV into parts: a part never starts inside a record, and its rows read exactly as
they read in the whole file (same values, same row numbers, same errors)."""

import io

import pytest

from timeport.errors import FileRejected
from timeport.sources.csv_chunks import chunk_reader, plan_chunks
from timeport.sources.csv_entries import CsvEntryReader
from timeport.sources.text_stream import open_text

HEADER = "project_name,start_time,duration_hours,notes\r\n"


def whole_file_rows(data: bytes) -> list:
    text, _ = open_text(io.BytesIO(data))
    return list(CsvEntryReader(text, "Europe/Berlin"))


def rows_by_parts(data: bytes, chunk_bytes: int) -> tuple[list, list]:
    plan = plan_chunks(io.BytesIO(data), chunk_bytes)
    rows = []
    for chunk in plan.chunks:
        body = io.BytesIO(data[chunk.start : chunk.end])
        reader = chunk_reader(
            data[: plan.header_end], body, plan.encoding, "Europe/Berlin", chunk.first_row
        )
        rows += list(reader)
    return plan.chunks, rows


def quoted_file(count: int, newline: str = "\r\n") -> str:
    lines = []
    for i in range(count):
        if i % 4 == 1:
            lines.append(f"P{i},not a date,1,x")
        else:
            lines.append(f'P{i},2024-03-01 09:00,1,"first{newline}""second"" {i}{newline}"')
    return HEADER + newline.join(lines) + newline


@pytest.mark.parametrize("chunk_bytes", [1, 7, 40, 41, 42, 43, 100, 333, 10_000])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_parts_read_every_row_once_with_the_whole_files_numbers(chunk_bytes, newline):
    data = quoted_file(30, newline).encode("utf-8")

    chunks, rows = rows_by_parts(data, chunk_bytes)

    assert rows == whole_file_rows(data)
    assert [chunk.first_row for chunk in chunks[1:]] == [c.last_row + 1 for c in chunks[:-1]]
    assert (chunks[0].start, chunks[-1].end) == (len(HEADER.encode()), len(data))


def test_a_cut_falls_only_after_the_closing_quote_of_a_value_with_line_breaks():
    data = (HEADER + 'P,2024-03-01 09:00,1,"a\r\n""b""\r\n\r\nc"\r\nQ,2024-03-01,1,x\r\n').encode()

    chunks, rows = rows_by_parts(data, 1)

    assert [(c.first_row, c.last_row) for c in chunks] == [(2, 2), (3, 3)]
    assert data[chunks[1].start :].startswith(b"Q,")
    assert rows[0].notes == 'a\r\n"b"\r\n\r\nc'


def test_a_bom_stays_with_the_header_and_every_part_reads_utf8():
    data = "\ufeff".encode() + quoted_file(12).replace("P", "Café ").encode("utf-8")

    chunks, rows = rows_by_parts(data, 50)

    assert len(chunks) > 3
    assert rows == whole_file_rows(data)
    assert rows[0].project_name == "Café 0"


def test_a_windows_1252_file_is_cut_between_its_single_byte_lines():
    data = quoted_file(12).replace("P", "Müller ").encode("cp1252")

    plan = plan_chunks(io.BytesIO(data), 60)
    _, rows = rows_by_parts(data, 60)

    assert plan.encoding == "cp1252"
    assert rows == whole_file_rows(data)
    assert rows[0].project_name == "Müller 0"


def test_windows_1252_bytes_late_in_a_utf8_file_read_the_same_in_every_part():
    head = quoted_file(40).encode("utf-8")
    data = head + 'Zoë,2024-03-01 09:00,1,"é\r\n"\r\n'.encode("cp1252")

    _, rows = rows_by_parts(data, 30)

    assert rows == whole_file_rows(data)
    assert rows[-1].project_name == "Zoë"


def test_a_quote_that_never_closes_stays_in_the_last_part_as_one_failed_row():
    data = (quoted_file(6) + 'P,2024-03-01,1,"open\r\nP,2024-03-01,1,x\r\n').encode()

    chunks, rows = rows_by_parts(data, 10)

    assert rows == whole_file_rows(data)
    assert "never closed" in rows[-1].problems[0].message
    assert chunks[-1].last_row == rows[-1].row


def test_utf16_files_are_not_cut():
    data = quoted_file(5).encode("utf-16")

    assert plan_chunks(io.BytesIO(data), 10) is None


def test_a_bad_header_is_refused_before_any_part_exists():
    with pytest.raises(FileRejected):
        plan_chunks(io.BytesIO(b"name,when\r\nx,y\r\n"), 10)
