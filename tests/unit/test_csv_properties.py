"""Properties of the CSV reader over generated input: it never crashes, it accounts for every
record, and whatever a spreadsheet could write it reads back exactly."""

import csv
import io
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeport.errors import FileRejected
from timeport.sources.csv_entries import CsvEntryReader, EntryDraft, RowFailure
from timeport.sources.text_stream import open_text

HEADER = ["project_name", "client_name", "start_time", "duration_hours", "notes", "tags"]
FORMULA_STARTS = st.sampled_from(["", "=", "+", "-", "@"])
# Text a person can type: no surrogates or NULs; quotes, delimiters, newlines and emoji are in.
TYPED = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffd\r"),
    max_size=40,
)


def read_all(data: bytes) -> list[EntryDraft | RowFailure]:
    stream, _ = open_text(io.BytesIO(data))
    return list(CsvEntryReader(stream, "Europe/Berlin"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_after_a_valid_header_never_crash_the_reader(tail):
    data = ",".join(HEADER).encode() + b"\n" + tail

    try:
        items = read_all(data)
    except FileRejected:
        return

    rows = [item.row for item in items]
    assert rows == sorted(set(rows))
    assert all(row >= 2 for row in rows)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_as_a_whole_file_are_read_or_refused_never_crash(data):
    try:
        read_all(data)
    except FileRejected as rejected:
        assert rejected.message


row_strategy = st.fixed_dictionaries(
    {
        "project": st.tuples(FORMULA_STARTS, TYPED).map("".join).map(str.strip).filter(bool),
        "client": TYPED.map(str.strip),
        "minutes": st.integers(min_value=0, max_value=24 * 60),
        "offset": st.integers(min_value=0, max_value=365 * 24 * 4),
        "notes": st.tuples(FORMULA_STARTS, TYPED).map("".join),
        "tags": st.lists(st.text(alphabet="abcxyz0123", min_size=1, max_size=5), max_size=3),
    }
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(row_strategy, min_size=1, max_size=30),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_every_row_a_spreadsheet_writes_reads_back_exactly(rows, delimiter, encoding):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(HEADER)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for row in rows:
        start = base + timedelta(minutes=15 * row["offset"])
        writer.writerow(
            [
                row["project"],
                row["client"],
                start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                str(row["minutes"] / 60),
                row["notes"],
                ";".join(row["tags"]),
            ]
        )

    items = read_all(text.getvalue().encode(encoding))

    assert [type(item) for item in items] == [EntryDraft] * len(rows)
    for item, row in zip(items, rows, strict=True):
        assert item.project_name == row["project"]
        assert item.client_name == (row["client"] or row["project"])
        assert item.notes == (row["notes"].strip() or None)
        assert item.duration_seconds == round(row["minutes"] * 60)
        assert item.tags == list(dict.fromkeys(row["tags"]))
    assert [item.row for item in items] == list(range(2, len(rows) + 2))
