"""The CSV reader: the guide's columns and date formats, row numbers, and row-level errors."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, _zoneinfo, available_timezones

import pytest

from timeport.errors import FileRejected
from timeport.sources.csv_entries import (
    TEMPLATE_CSV,
    CsvEntryReader,
    EntryDraft,
    RowFailure,
    TimestampError,
    parse_timestamp,
)
from timeport.sources.text_stream import open_text


def read(text: str, timezone: str = "UTC") -> list[EntryDraft | RowFailure]:
    return list(CsvEntryReader(io.StringIO(text, newline=""), timezone))


def read_bytes(data: bytes, timezone: str = "UTC") -> list[EntryDraft | RowFailure]:
    stream, _ = open_text(io.BytesIO(data))
    return list(CsvEntryReader(stream, timezone))


def problems(item: RowFailure) -> list[tuple]:
    return [(p.column, p.value, p.message) for p in item.problems]


def test_the_template_reads_as_two_good_entries():
    first, second = read(TEMPLATE_CSV)

    assert first == EntryDraft(
        row=2,
        project_name="Project A",
        client_name="Client A",
        task_name="Task 1",
        start=datetime(2024, 1, 1, 9, 0, tzinfo=UTC),
        end=datetime(2024, 1, 1, 10, 30, tzinfo=UTC),
        notes="Meeting notes",
        tags=["meeting", "planning"],
        billable=True,
    )
    assert first.duration_seconds == 5400
    assert (second.row, second.task_name, second.duration_seconds) == (3, None, 7200)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-01 09:00:00", datetime(2024, 1, 1, 9, tzinfo=UTC)),
        ("2024-01-01T09:00:00", datetime(2024, 1, 1, 9, tzinfo=UTC)),
        ("2024-01-01", datetime(2024, 1, 1, 0, tzinfo=UTC)),
        ("25/12/2024 08:15:00", datetime(2024, 12, 25, 8, 15, tzinfo=UTC)),
        ("12/25/2024 08:15:00", datetime(2024, 12, 25, 8, 15, tzinfo=UTC)),
        ("03/04/2024 08:15:00", datetime(2024, 4, 3, 8, 15, tzinfo=UTC)),
        ("2024-01-01T09:00:00+02:00", datetime(2024, 1, 1, 7, tzinfo=UTC)),
        ("2024-01-01T09:00:00Z", datetime(2024, 1, 1, 9, tzinfo=UTC)),
    ],
)
def test_every_date_format_of_the_guide_is_read(value, expected):
    (entry,) = read(f"project_name,start_time,duration_hours\nP,{value},1\n")

    assert entry.start == expected


def test_naive_times_are_in_the_users_time_zone_and_stored_as_utc():
    (winter, summer) = read(
        "project_name,start_time,end_time\n"
        "P,2024-01-15 09:00:00,2024-01-15 10:00:00\n"
        "P,2024-07-15 09:00:00,2024-07-15 10:00:00\n",
        timezone="Europe/Berlin",
    )

    assert winter.start == datetime(2024, 1, 15, 8, tzinfo=UTC)
    assert summer.start == datetime(2024, 7, 15, 7, tzinfo=UTC)


def test_header_names_are_trimmed_and_lower_cased_and_the_bom_is_dropped():
    data = "\ufeff Project_Name ;START_TIME; Duration Hours \nP;2024-01-01 09:00:00;1,5\n"

    (entry,) = read_bytes(data.encode("utf-8"))

    assert (entry.project_name, entry.duration_seconds) == ("P", 5400)


def test_tab_delimited_files_are_detected():
    (entry,) = read("project_name\tstart_time\tduration_hours\tnotes\nP\t2024-01-01\t2\ta, b\n")

    assert (entry.duration_seconds, entry.notes) == (7200, "a, b")


def test_missing_client_means_the_project_name_and_billable_defaults_to_true():
    (entry,) = read(
        "project_name,client_name,start_time,duration_hours,billable\nAlpha,,2024-01-01,1,\n"
    )

    assert (entry.client_name, entry.billable) == ("Alpha", True)


def test_tags_split_on_semicolons_and_commas_without_duplicates():
    (entry,) = read(
        'project_name,start_time,duration_hours,tags\nP,2024-01-01,1,"dev; ops,dev ,, qa"\n'
    )

    assert entry.tags == ["dev", "ops", "qa"]


def test_row_numbers_count_records_as_a_spreadsheet_does():
    text = (
        "project_name,start_time,duration_hours,notes\n"
        'P,2024-01-01,1,"two\nlines"\n'
        "\n"
        "P,not a date,1,\n"
    )

    good, bad = read(text)

    assert good.row == 2
    assert bad.row == 4


def test_each_bad_row_fails_alone_with_every_problem_named():
    text = (
        "project_name,start_time,end_time,duration_hours,billable\n"
        ",2024-01-01 09:00:00,,1,true\n"
        "P,2024-01-01 09:00:00,,,true\n"
        "P,2024-01-01 09:00:00,2024-01-01 08:00:00,,true\n"
        "P,2024-01-01 09:00:00,,-1,true\n"
        "P,2024-01-01 09:00:00,,abc,maybe\n"
        "P,2024-13-45 09:00,,1,true\n"
        "P,2024-01-01 09:00:00,,1,no\n"
    )

    items = read(text)

    assert [type(item).__name__ for item in items] == ["RowFailure"] * 6 + ["EntryDraft"]
    assert problems(items[0]) == [("project_name", "", "project_name is required")]
    assert problems(items[1]) == [("end_time", "", "Either end_time or duration_hours is required")]
    assert problems(items[2]) == [
        ("end_time", "2024-01-01 08:00:00", "end_time is before start_time")
    ]
    assert problems(items[3]) == [("duration_hours", "-1", "duration_hours must not be negative")]
    assert problems(items[4]) == [
        ("duration_hours", "abc", "duration_hours must be a number of hours such as 1.5"),
        ("billable", "maybe", "billable must be true/false, yes/no or 1/0"),
    ]
    assert problems(items[5])[0][:2] == ("start_time", "2024-13-45 09:00")
    assert items[6].billable is False


def test_a_header_without_required_columns_rejects_the_file(samples_dir):
    with open(samples_dir / "toggl_detailed_report.csv", "rb") as handle:
        stream, encoding = open_text(handle)
        with pytest.raises(FileRejected) as rejected:
            CsvEntryReader(stream, "UTC")

    assert encoding == "utf-8-sig"
    assert "lacks the required column(s) project_name;" in rejected.value.message
    assert "'User'" in rejected.value.message


def test_a_duplicated_column_rejects_the_file():
    with pytest.raises(FileRejected, match="names the column 'start_time' twice"):
        read("project_name,start_time,Start Time\nP,2024-01-01,2024-01-01\n")


def test_windows_1252_files_are_decoded():
    data = "project_name,start_time,duration_hours,notes\nCafé,2024-01-01,1,naïve €\n".encode(
        "cp1252"
    )

    (entry,) = read_bytes(data)

    assert (entry.project_name, entry.notes) == ("Café", "naïve €")


def test_utf16_with_bom_is_decoded():
    data = "project_name,start_time,duration_hours\nÜber,2024-01-01,1\n".encode("utf-16")

    (entry,) = read_bytes(data)

    assert entry.project_name == "Über"


def test_windows_1252_bytes_after_the_first_block_are_still_read_as_text():
    data = b"project_name,start_time,duration_hours\n" + b"Early,2024-01-01,1\n" * 5000
    data += b"Caf\xe9,2024-01-02,1\n"

    items = read_bytes(data)

    assert len(items) == 5001
    assert items[-1].project_name == "Café"


def test_a_byte_that_is_text_in_no_encoding_fails_only_its_row():
    data = b"project_name,start_time,duration_hours\nGood,2024-01-01,1\n"
    data += b"Bad\x81,2024-01-01,1\nAlso good,2024-01-02,1\n"

    good, bad, also_good = read_bytes(data)

    assert (good.project_name, also_good.project_name) == ("Good", "Also good")
    assert (bad.row, bad.problems[0].column) == (3, "project_name")
    assert "not valid text" in bad.problems[0].message


def test_an_unterminated_quote_fails_its_row_and_says_the_rest_was_swallowed():
    text = (
        "project_name,start_time,duration_hours,notes\n"
        "A,2024-01-01 09:00:00,1,fine\n"
        'B,2024-01-01 09:00:00,1,"unterminated\n'
        "C,2024-01-01 09:00:00,1,ok\n"
    )

    good, bad = read(text)

    assert good.project_name == "A"
    assert bad.row == 3
    assert bad.problems[0].message.startswith(
        "A quoted value that starts in this row is never closed"
    )


def test_a_long_quoted_note_over_many_lines_fails_its_row_and_adds_no_rows():
    # 175 KB of lines that look like rows, inside one quoted note (a black-box tester saw
    # 1,317 entries stored from such a file when the csv module's 100,000-character limit
    # cut the value short and read the rest of it as rows).
    inside = "".join(
        f"PHANTOM,C,,2024-03-06 09:00:00,,1,inside quoted note {n},,\n" for n in range(3000)
    )
    text = (
        "project_name,client_name,task_name,start_time,end_time,duration_hours,notes,tags,billable\n"
        "A,C,,2024-03-04 09:00:00,,1,first,,\n"
        "B,C,,2024-03-05 09:00:00,,1,second,,\n"
        f'P,C,,2024-03-06 09:00:00,,1,"{inside}",,\n'
    )

    first, second, long_note = read(text)

    assert (first.project_name, second.project_name) == ("A", "B")
    assert (long_note.row, long_note.problems[0].column) == (4, "notes")
    assert long_note.problems[0].message == "Longer than 10000 characters"


def test_a_quoted_value_over_ten_million_characters_stops_the_file_with_a_reason():
    runaway = "x" * 999 + "\n"
    text = (
        "project_name,start_time,duration_hours,notes\n"
        "A,2024-01-01 09:00:00,1,fine\n"
        f'B,2024-01-01 09:00:00,1,"{runaway * 10_100}"\n'
        "C,2024-01-01 09:00:00,1,never read\n"
    )

    good, stopped = read(text)

    assert good.project_name == "A"
    assert stopped.row == 3
    assert stopped.problems[0].message == (
        "A quoted value that starts in this row runs on for more than 10,000,000 characters, "
        "so a quote was probably left open; the rest of the file was not read. Close the quote "
        "and import again"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001-01-01 00:00:00", "The year must be between 1970 and 2100"),
        ("2024-03-31 02:30:00", "This time does not exist in Europe/Berlin: the clocks skip it"),
    ],
)
def test_impossible_moments_fail_their_row(value, message):
    (failure,) = read(f"project_name,start_time,duration_hours\nP,{value},1\n", "Europe/Berlin")

    assert [(p.column, p.value, p.message) for p in failure.problems] == [
        ("start_time", value, message)
    ]


def test_the_autumn_hour_that_happens_twice_is_read_as_its_first_occurrence():
    (entry,) = read(
        "project_name,start_time,duration_hours\nP,2024-10-27 02:30:00,1\n", "Europe/Berlin"
    )

    assert entry.start == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["1_5", "\u0661\u0662", "1e3", "nan", "inf", "0x10", "1.5h"])
def test_durations_must_be_plain_decimal_hours(value):
    (failure,) = read(f"project_name,start_time,duration_hours\nP,2024-01-01,{value}\n")

    assert failure.problems[0].message == "duration_hours must be a number of hours such as 1.5"


def test_durations_are_whole_seconds_so_end_minus_start_is_the_duration():
    (entry,) = read("project_name,start_time,duration_hours\nP,2024-01-01 09:00:00,0.0001\n")

    assert (entry.duration_seconds, entry.end) == (0, datetime(2024, 1, 1, 9, tzinfo=UTC))


def test_binary_files_are_refused_with_a_clear_message():
    with pytest.raises(FileRejected, match="not text"):
        open_text(io.BytesIO(b"\x00\x01\x02\x00" * 1000))


def test_an_empty_file_is_refused():
    with pytest.raises(FileRejected, match="empty"):
        open_text(io.BytesIO(b""))


def test_a_header_with_an_unclosed_quote_rejects_the_file():
    with pytest.raises(
        FileRejected, match=r"^The header row is not valid CSV \(unexpected end of data\)"
    ):
        read_bytes(b'"')


def test_a_line_too_long_to_read_fails_alone_and_memory_stays_bounded():
    data = b"project_name,start_time,duration_hours\nA,2024-01-01,1\n"
    data += b"B" * 3_500_000 + b"\nC,2024-01-02,1\n"

    first, too_long, last = read_bytes(data)

    assert (first.project_name, last.project_name, last.row) == ("A", "C", 4)
    assert (too_long.row, too_long.problems[0].message) == (
        3,
        "The line is longer than 1,000,000 characters; it was skipped",
    )


def test_a_row_with_too_many_cells_fails_alone():
    wide = "P,2024-01-01,1" + ",x" * 2000

    good, bad = read(f"project_name,start_time,duration_hours\nP,2024-01-01,1\n{wide}\n")

    assert good.row == 2
    assert bad.problems[0].message == "The row has 2,003 cells; at most 1,000 are read"


def test_a_header_too_long_to_read_rejects_the_file():
    with pytest.raises(FileRejected, match="header row is longer than 1,000,000 characters"):
        read_bytes(b"x" * 1_200_000)


@pytest.mark.parametrize(
    "timezone",
    ["Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "America/St_Johns", "Asia/Gaza"],
)
def test_the_per_day_offset_shortcut_reads_every_quarter_hour_as_parse_timestamp_does(timezone):
    # Santiago and Gaza change at midnight, Lord Howe by half an hour, St John's at 00:01.
    reader = CsvEntryReader(io.StringIO("project_name,start_time\n"), timezone)
    zone = ZoneInfo(timezone)
    moment = datetime(2024, 1, 1)

    while moment.year == 2024:
        value = moment.strftime("%Y-%m-%d %H:%M:%S")
        assert outcome(reader._to_utc, value) == outcome(parse_timestamp, value, zone), value
        moment += timedelta(minutes=15)


def test_no_time_zone_changes_its_clock_twice_within_two_days():
    """What the per-day shortcut of CsvEntryReader._to_utc relies on, checked against the
    tzdata in use (zoneinfo's pure-Python reader is the one that shows the transitions)."""
    earliest, latest = (datetime(year, 1, 1, tzinfo=UTC).timestamp() for year in (1970, 2101))
    for key in available_timezones():
        changes = [
            moment
            for moment in _zoneinfo.ZoneInfo.no_cache(key)._trans_utc
            if earliest <= moment < latest
        ]
        closest = min((b - a for a, b in zip(changes, changes[1:], strict=False)), default=None)
        assert closest is None or closest >= 2 * 86_400, key


def outcome(parse, *arguments):
    try:
        return parse(*arguments)
    except TimestampError as error:
        return str(error)


@pytest.mark.parametrize(
    "line",
    [
        "P,C,T,2024-01-01 09:00:00,2024-01-01 10:00:00,,n,a;b,true",
        " P , C ,  , 2024-01-01 09:00:00 ,, 1,5 , n , a ,, a ;b , TRUE ",
        "P,,,2024-01-01,,-0,,;,Yes",
        "P,,,2024-01-01 09:00:00,2024-01-01 08:00:00,,,,",
        "P,,,2024-01-01 09:00:00,2024-01-01 10:00:00,abc,,,",
        "P,,,2024-01-01 09:00:00,,,,,",
        "P,,,2024-01-01 09:00:00,,1000.0001,,,",
        "P,,,2024-01-01T09:00:00+02:00,2024-01-01T09:30:00Z,,,,n",
        "P,,,25/12/2024 08:15,12/26/2024 08:15:00,,,,0",
        "P,,,1969-12-31 23:00:00,,1,,,",
        "P,,,2024-03-31 02:30:00,,1,,,",
        "P,,,2024-10-27 02:30:00,2024-10-27 02:45:00,,,,",
        ",,,2024-01-01,,1,,,",
        "P,,,,,1,,,",
        "P,,,2024-01-01,,1,,,maybe",
        "P" * 201 + ",,,2024-01-01,,1,,,",
        "P,," + "T" * 201 + ",2024-01-01,,1,,,",
        "P,,,2024-01-01,,1," + "n" * 10_001 + ",,",
        "P,,,2024-01-01,,1,caf\ufffd,,",
    ],
)
def test_the_quick_path_and_the_full_check_read_every_row_alike(line):
    reader = CsvEntryReader(io.StringIO(TEMPLATE_CSV.splitlines()[0] + "\n"), "Europe/Berlin")
    record = line.split(",")

    quick = reader._parse(7, list(record), "".join(record))

    assert quick == reader._check(7, list(record))
