"""Read time entries from a CSV in the guide's format, one record at a time.

Row numbers are those a spreadsheet shows: the header is row 1 and a quoted value that spans
lines is still one row. A bad row becomes a RowFailure naming each problem; it never stops
the rows after it. A bad header rejects the whole file before anything is written.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from operator import itemgetter
from typing import TextIO
from zoneinfo import ZoneInfo

from timeport.errors import FileRejected

COLUMNS = (
    "project_name",
    "client_name",
    "task_name",
    "start_time",
    "end_time",
    "duration_hours",
    "notes",
    "tags",
    "billable",
)
REQUIRED_COLUMNS = ("project_name", "start_time")
TEMPLATE_CSV = (
    "project_name,client_name,task_name,start_time,end_time,duration_hours,notes,tags,billable\r\n"
    "Project A,Client A,Task 1,2024-01-01 09:00:00,2024-01-01 10:30:00,1.5,Meeting notes,meeting;planning,true\r\n"
    "Project B,Client B,,2024-01-01 14:00:00,2024-01-01 16:00:00,2.0,Development work,dev;coding,true\r\n"
)
EARLIEST_YEAR, LATEST_YEAR = 1970, 2100
_HOURS_PATTERN = re.compile(r"-?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
NAME_MAX_CHARS = 200
NOTES_MAX_CHARS = 10_000
MAX_DURATION_HOURS = 1_000
LINE_MAX_CHARS = 1_000_000
# A quoted value may span lines. One longer than this is taken for a quote left open: the
# csv module cannot say where such a value ends, so the rest of the file is not read.
FIELD_MAX_CHARS = 10 * LINE_MAX_CHARS
COLUMNS_MAX = 1_000
# Stands in for a line too long to read: the csv module sees one cell holding it.
_TOO_LONG = "\x00timeport:line-too-long\x00"
# Bounds of the tag lists a reader remembers, so that no file can make the cache grow big.
MAX_REMEMBERED_TAG_LISTS = 10_000
MAX_REMEMBERED_TAG_CHARS = 200
_DAY_FIRST_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
_MONTH_FIRST_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
_TRUE = frozenset({"", "true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_BILLABLE = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_DATE_HELP = "use YYYY-MM-DD HH:MM:SS, ISO 8601, DD/MM/YYYY HH:MM:SS or MM/DD/YYYY HH:MM:SS"
# Naive and UTC twins of one moment: adding a timedelta to an aware datetime is far cheaper
# than datetime.replace(tzinfo=...), which the per-row path would otherwise call.
_NAIVE_EPOCH = datetime(2000, 1, 1)
_UTC_EPOCH = _NAIVE_EPOCH.replace(tzinfo=UTC)
_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_UNSEEN = object()


@dataclass(slots=True)
class EntryDraft:
    """A row that passed every check, with times in UTC."""

    row: int
    project_name: str
    client_name: str
    task_name: str | None
    start: datetime
    end: datetime
    notes: str | None
    tags: list[str]
    billable: bool

    @property
    def duration_seconds(self) -> int:
        return round((self.end - self.start).total_seconds())


@dataclass(slots=True)
class RowProblem:
    column: str | None
    value: str | None
    message: str


@dataclass(slots=True)
class RowFailure:
    row: int
    problems: list[RowProblem] = field(default_factory=list)


def _normalise_header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def sniff_delimiter(header_line: str) -> str:
    """The header row decides: whichever of comma, semicolon and tab it holds most of."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class TimestampError(ValueError):
    """A value that is no usable moment; the message says why, for the row's error."""


def parse_timestamp(value: str, zone: ZoneInfo) -> datetime:
    """Parse one of the guide's formats. Naive times are in `zone`; the result is UTC.

    DD/MM/YYYY is tried before MM/DD/YYYY, as the guide lists them, so 03/04/2024 is 3 April.
    A local time that the clocks skip (the spring DST gap) is refused; one that happens twice
    (the autumn change) is read as its first occurrence.
    """
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
        for pattern in (*_DAY_FIRST_FORMATS, *_MONTH_FIRST_FORMATS):
            try:
                moment = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            raise TimestampError(f"Not a date and time: {_DATE_HELP}") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise TimestampError(f"The year must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    if moment.tzinfo is None:
        local = moment.replace(tzinfo=zone)
        utc = local.astimezone(UTC)
        # Only near a DST change do the two folds differ; only then is the round trip needed.
        shifts = local.utcoffset() != local.replace(fold=1).utcoffset()
        if shifts and utc.astimezone(zone).replace(tzinfo=None) != moment:
            raise TimestampError(f"This time does not exist in {zone.key}: the clocks skip it")
        return utc
    return moment.astimezone(UTC)


def split_tags(value: str) -> list[str]:
    if "," not in value and ";" not in value:
        stripped = value.strip()
        return [stripped] if stripped else []
    # dict keys keep the first of each tag, in order; after that at most one empty tag is left.
    tags = list(dict.fromkeys(map(str.strip, value.replace(";", ",").split(","))))
    if "" in tags:
        tags.remove("")
    return tags


class CsvEntryReader:
    """Iterate a CSV text stream as EntryDraft or RowFailure, in file order.

    Construction reads and checks the header, so a file with a bad header raises
    FileRejected before the caller writes anything.
    """

    def __init__(self, text: TextIO, timezone: str, first_row: int = 2):
        """`first_row` is the number of the first record after the header: a part of a file
        (see csv_chunks) counts its rows on from where the part starts in the whole file."""
        self._zone = ZoneInfo(timezone)
        self._first_row = first_row
        first_line = text.readline(LINE_MAX_CHARS)
        if len(first_line) == LINE_MAX_CHARS and not first_line.endswith(("\n", "\r")):
            raise FileRejected(f"The header row is longer than {LINE_MAX_CHARS:,} characters")
        if not first_line.strip():
            raise FileRejected("The file has no header row: the first line must name the columns")
        delimiter = sniff_delimiter(first_line)
        csv.field_size_limit(FIELD_MAX_CHARS)
        # strict: a quote that never closes is an error, not the rest of the file in one cell.
        lines = chain((first_line,), _bounded_lines(text))
        self._records = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            header = next(self._records)
        except (csv.Error, StopIteration) as error:
            raise FileRejected(
                f"The header row is not valid CSV ({error}); check its quotes"
            ) from error
        self._columns = self._map_header(header)
        # An absent column reads position -1: the empty cell _cells appends to every record.
        self._positions = tuple(self._columns.get(name, -1) for name in COLUMNS)
        self._width = max(self._positions) + 1
        self._pick = itemgetter(*self._positions)
        self._day_bases: dict[int, datetime | None] = {}
        self._tag_lists: dict[str, list[str]] = {}
        self.delimiter = delimiter

    @staticmethod
    def _map_header(header: list[str]) -> dict[str, int]:
        columns: dict[str, int] = {}
        for index, name in enumerate(header):
            key = _normalise_header(name.lstrip("\ufeff"))
            if key not in COLUMNS:
                continue
            if key in columns:
                raise FileRejected(
                    f"The header names the column '{key}' twice (columns {columns[key] + 1} and {index + 1})"
                )
            columns[key] = index
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            found = ", ".join(repr(name) for name in header[:20]) or "nothing"
            raise FileRejected(
                f"The header lacks the required column(s) {', '.join(missing)}; it has {found}. "
                "Download the template from /api/import/template/csv to see the expected columns"
            )
        return columns

    def __iter__(self) -> Iterator[EntryDraft | RowFailure]:
        row_number = self._first_row - 1
        parse = self._parse
        while True:
            # A for loop is the cheap way through a million records; the reader carries on
            # after a csv.Error, so the loop is simply entered again for the rows after it.
            try:
                for record in self._records:
                    row_number += 1
                    joined = "".join(record)
                    if not joined:
                        continue
                    if len(record) > COLUMNS_MAX or joined == _TOO_LONG:
                        yield _oversized(row_number, record)
                    else:
                        yield parse(row_number, record, joined)
                return
            except csv.Error as error:
                row_number += 1
                yield RowFailure(row_number, [RowProblem(None, None, _describe_csv_error(error))])
                if _is_overlong_value(error):
                    return

    def record_ends(self) -> Iterator[int]:
        """The row number of each record as it ends, counted exactly as __iter__ counts them
        (empty records and unreadable lines included), without checking any value: where a
        file may be cut between records."""
        row_number = self._first_row - 1
        while True:
            try:
                for _ in self._records:
                    row_number += 1
                    yield row_number
                return
            except csv.Error as error:
                row_number += 1
                yield row_number
                if _is_overlong_value(error):
                    return

    def _cells(self, record: list[str]) -> map:
        """The row's values in COLUMNS order, trimmed; absent columns and cells are empty.

        It pads `record` in place; a second call on the same record reads the same values."""
        if len(record) < self._width:
            record += [""] * (self._width - len(record))
        record.append("")
        return map(str.strip, self._pick(record))

    def _undecodable(self, record: list[str]) -> list[RowProblem]:
        names = {position: name for name, position in self._columns.items()}
        return [
            RowProblem(
                names.get(index),
                value[:100],
                "Contains bytes that are not valid text in this file's encoding",
            )
            for index, value in enumerate(record)
            if "\ufffd" in value or "\x00" in value
        ]

    def _parse(self, row: int, record: list[str], joined: str) -> EntryDraft | RowFailure:
        """The row as an EntryDraft, the quick way, when every value is plainly good.

        Anything else (a problem, a limit reached, a value that needs a closer look) goes to
        _check, which alone decides such a row; this path only takes rows _check would accept
        as they are, so the two always agree. Most rows of most files take this path, and it is
        the per-row cost of an import.
        """
        # U+FFFD is what undecodable bytes became (see text_stream); NUL is never text.
        if "\ufffd" in joined or "\x00" in joined:
            return self._check(row, record)
        (
            project_name,
            client_name,
            task_name,
            start_text,
            end_text,
            duration_text,
            notes,
            tags_text,
            billable_text,
        ) = self._cells(record)
        billable = _BILLABLE.get(billable_text.lower())
        if (
            billable is None
            or not project_name
            or not start_text
            or len(project_name) > NAME_MAX_CHARS
            or len(client_name) > NAME_MAX_CHARS
            or len(task_name) > NAME_MAX_CHARS
            or len(notes) > NOTES_MAX_CHARS
        ):
            return self._check(row, record)
        try:
            start = self._to_utc(start_text)
            end = self._to_utc(end_text) if end_text else None
        except TimestampError:
            return self._check(row, record)
        if end is None:
            if not duration_text or not _HOURS_PATTERN.fullmatch(duration_text):
                return self._check(row, record)
            hours = float(duration_text.replace(",", "."))
            if not 0 <= hours <= MAX_DURATION_HOURS:
                return self._check(row, record)
            end = start + timedelta(seconds=round(hours * 3600))
        elif end < start:
            return self._check(row, record)
        tags = self._tags(tags_text) if tags_text else []
        # Positional, in field order: keywords cost a third of a microsecond more per row.
        return EntryDraft(
            row,
            project_name,
            client_name or project_name,
            task_name or None,
            start,
            end,
            notes or None,
            tags,
            billable,
        )

    def _tags(self, text: str) -> list[str]:
        """split_tags, remembered: a file tends to repeat a few tag lists on every row."""
        tags = self._tag_lists.get(text)
        if tags is None:
            tags = split_tags(text)
            if (
                len(text) <= MAX_REMEMBERED_TAG_CHARS
                and len(self._tag_lists) < MAX_REMEMBERED_TAG_LISTS
            ):
                self._tag_lists[text] = tags
        # A list of its own for every entry, so that changing one changes no other.
        return tags.copy()

    def _check(self, row: int, record: list[str]) -> EntryDraft | RowFailure:
        """Every check on its own, each problem named: the row fails with all of them."""
        joined = "".join(record)
        problems = self._undecodable(record) if "\ufffd" in joined or "\x00" in joined else []
        (
            project_name,
            client_name,
            task_name,
            start_text,
            end_text,
            duration_text,
            notes,
            tags_text,
            billable_text,
        ) = self._cells(record)

        if not project_name:
            problems.append(RowProblem("project_name", "", "project_name is required"))
        elif len(project_name) > NAME_MAX_CHARS:
            problems.append(
                RowProblem(
                    "project_name", project_name[:100], f"Longer than {NAME_MAX_CHARS} characters"
                )
            )
        if len(client_name) > NAME_MAX_CHARS:
            problems.append(
                RowProblem(
                    "client_name", client_name[:100], f"Longer than {NAME_MAX_CHARS} characters"
                )
            )
        client_name = client_name or project_name
        task_name = task_name or None
        if task_name and len(task_name) > NAME_MAX_CHARS:
            problems.append(
                RowProblem("task_name", task_name[:100], f"Longer than {NAME_MAX_CHARS} characters")
            )

        start = self._timestamp(start_text, "start_time", problems, required=True)
        end = self._timestamp(end_text, "end_time", problems, required=False)
        if end is None and not duration_text and not any(p.column == "end_time" for p in problems):
            problems.append(
                RowProblem("end_time", "", "Either end_time or duration_hours is required")
            )
        if start is not None and end is not None and end < start:
            problems.append(RowProblem("end_time", end_text, "end_time is before start_time"))
        if end is None and duration_text:
            hours = _parse_hours(duration_text, problems)
            if start is not None and hours is not None:
                end = start + timedelta(seconds=round(hours * 3600))

        notes = notes or None
        if notes and len(notes) > NOTES_MAX_CHARS:
            problems.append(
                RowProblem("notes", notes[:100], f"Longer than {NOTES_MAX_CHARS} characters")
            )
        billable_text = billable_text.lower()
        if billable_text not in _TRUE and billable_text not in _FALSE:
            problems.append(
                RowProblem("billable", billable_text, "billable must be true/false, yes/no or 1/0")
            )

        if problems or start is None or end is None:
            return RowFailure(row, problems)
        return EntryDraft(
            row=row,
            project_name=project_name,
            client_name=client_name,
            task_name=task_name,
            start=start,
            end=end,
            notes=notes,
            tags=split_tags(tags_text) if tags_text else [],
            billable=billable_text in _TRUE,
        )

    def _timestamp(
        self, value: str, column: str, problems: list[RowProblem], required: bool
    ) -> datetime | None:
        if not value:
            if required:
                problems.append(RowProblem(column, "", f"{column} is required"))
            return None
        try:
            return self._to_utc(value)
        except TimestampError as error:
            problems.append(RowProblem(column, value[:100], str(error)))
            return None

    def _to_utc(self, value: str) -> datetime:
        """parse_timestamp, with the zone's offset looked up once per calendar day.

        A naive time on a day whose clock does not change is `offset` behind UTC; working that
        out per row is most of the cost of a row. A day whose first and last instants disagree
        on the offset (or on the offset of their second occurrence) holds a change and takes
        parse_timestamp's exact path. In tzdata the changes of a zone are days apart (1970-2100),
        so no day can hide two that cancel out; tests/unit/test_csv_entries.py checks that.
        """
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return parse_timestamp(value, self._zone)
        if moment.tzinfo is not None:
            return parse_timestamp(value, self._zone)
        day = moment.toordinal()
        base = self._day_bases.get(day, _UNSEEN)
        if base is _UNSEEN:
            # Only days of the allowed years are remembered: at most 48,000 of them, whatever
            # the file holds.
            if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
                return parse_timestamp(value, self._zone)
            base = self._day_bases[day] = self._day_base(moment)
        if base is None:
            return parse_timestamp(value, self._zone)
        return _UTC_EPOCH + (moment - base)

    def _day_base(self, moment: datetime) -> datetime | None:
        """_NAIVE_EPOCH shifted by the day's one offset, or None when the clock changes that day."""
        first = datetime(moment.year, moment.month, moment.day)
        last = first + _ONE_DAY - _ONE_MICROSECOND
        zone = self._zone
        offsets = {
            zone.utcoffset(first),
            zone.utcoffset(first.replace(fold=1)),
            zone.utcoffset(last),
            zone.utcoffset(last.replace(fold=1)),
        }
        return _NAIVE_EPOCH + offsets.pop() if len(offsets) == 1 else None


def _parse_hours(text: str, problems: list[RowProblem]) -> float | None:
    """Plain decimal hours with a point or a comma; nothing else Python's float() accepts."""
    if not _HOURS_PATTERN.fullmatch(text):
        message = "duration_hours must be a number of hours such as 1.5"
    else:
        hours = float(text.replace(",", "."))
        if hours < 0:
            message = "duration_hours must not be negative"
        elif hours > MAX_DURATION_HOURS:
            message = f"duration_hours is more than {MAX_DURATION_HOURS} hours"
        else:
            return hours
    problems.append(RowProblem("duration_hours", text[:100], message))
    return None


def _oversized(row: int, record: list[str]) -> RowFailure:
    if len(record) > COLUMNS_MAX:
        message = f"The row has {len(record):,} cells; at most {COLUMNS_MAX:,} are read"
    else:
        message = f"The line is longer than {LINE_MAX_CHARS:,} characters; it was skipped"
    return RowFailure(row, [RowProblem(None, None, message)])


def _is_overlong_value(error: csv.Error) -> bool:
    return "field larger than field limit" in str(error)


def _describe_csv_error(error: csv.Error) -> str:
    if _is_overlong_value(error):
        return (
            f"A quoted value that starts in this row runs on for more than {FIELD_MAX_CHARS:,} "
            "characters, so a quote was probably left open; the rest of the file was not read. "
            "Close the quote and import again"
        )
    if "unexpected end of data" in str(error):
        return (
            "A quoted value that starts in this row is never closed: this row and every row "
            "after it were read as one value. Close the quote and import again"
        )
    return f"This row is not valid CSV ({error}); check its quotes"


def _bounded_lines(text: TextIO) -> Iterator[str]:
    """The file's lines, none longer than LINE_MAX_CHARS: a longer one is read past in pieces
    (so memory stays bounded) and replaced by a marker the reader reports as a row error."""
    while True:
        line = text.readline(LINE_MAX_CHARS)
        if not line:
            return
        if len(line) == LINE_MAX_CHARS and not line.endswith(("\n", "\r")):
            while line and not line.endswith(("\n", "\r")):
                line = text.readline(LINE_MAX_CHARS)
            yield _TOO_LONG + "\n"
            continue
        yield line
