"""Cut a big CSV file into parts at record boundaries, so that parts can be imported apart.

The file is read once with the decoder and the csv reader of an import (CsvEntryReader), so
a quoted value that holds line breaks or doubled quotes, an overlong line and an unreadable
line end their record exactly where an import of the whole file ends it: a part never starts
inside a record, and every part knows the number its first row has in the whole file.

Only bytes of whole lines are counted. UTF-8 (with or without BOM) and Windows-1252 write
quotes and line breaks as the same single bytes, so a cut between byte lines is a cut between
text lines. UTF-16 is not cut (plan_chunks answers None): one worker imports such a file.
"""

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from timeport.sources.csv_entries import CsvEntryReader
from timeport.sources.text_stream import decode_errors, open_text, prefixed, sniff

CUTTABLE_ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
READ_BYTES = 1024 * 1024
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class Chunk:
    """Bytes start..end-1 of the file; its records are rows first_row..last_row."""

    index: int
    start: int
    end: int
    first_row: int
    last_row: int


@dataclass(frozen=True)
class ChunkPlan:
    encoding: str
    header_end: int
    chunks: list[Chunk]


def _byte_lines(source: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """The file's bytes cut into lines where TextIOWrapper(newline="") cuts them (after \\n,
    \\r\\n or a lone \\r), each with whether it ends its line. A line longer than READ_BYTES
    comes in pieces, so memory stays bounded whatever the file holds."""
    buffer, position, at_end = b"", 0, False
    while True:
        match = _LINE_END.search(buffer, position)
        # A \r last in the buffer may be the first half of \r\n: decide once more is read.
        if match and (at_end or match.end() < len(buffer) or match.group() != b"\r"):
            yield buffer[position : match.end()], True
            position = match.end()
            continue
        if at_end:
            if position < len(buffer):
                yield buffer[position:], True
            return
        rest = buffer[position:]
        if len(rest) >= READ_BYTES and not rest.endswith(b"\r"):
            yield rest, False
            rest = b""
        more = source.read(READ_BYTES)
        buffer, position, at_end = rest + more, 0, not more


class MeasuredText:
    """The text open_text would give for the same bytes, read as CsvEntryReader reads it
    (readline with a limit), that also knows how many bytes the lines handed out so far fill.

    `offset` counts whole lines only; `at_line_end` says whether the last piece handed out
    finished its line, i.e. whether `offset` is where the text handed out ends.
    """

    def __init__(self, raw: BinaryIO, encoding: str):
        self._pieces = _byte_lines(raw)
        self._decoder = codecs.getincrementaldecoder(encoding)(decode_errors(encoding))
        self._text = ""
        self._line_bytes = 0
        self._line_read = True
        self.offset = 0
        self.at_line_end = True

    def readline(self, limit: int) -> str:
        if not self._text and self._line_read:
            self._line_read = False
        while not self._line_read and len(self._text) < limit:
            piece, ends_line = next(self._pieces, (b"", True))
            # A last line without a line break ends the file: flush a cut-off character.
            final = ends_line and not piece.endswith((b"\n", b"\r"))
            self._text += self._decoder.decode(piece, final=final)
            self._line_bytes += len(piece)
            self._line_read = ends_line
        line, self._text = self._text[:limit], self._text[limit:]
        self.at_line_end = self._line_read and not self._text
        if self.at_line_end:
            self.offset += self._line_bytes
            self._line_bytes = 0
        return line


def plan_chunks(source: BinaryIO, chunk_bytes: int) -> ChunkPlan | None:
    """Parts of about `chunk_bytes` (more when a record is longer), each cut after a record.

    The header is checked as an import checks it, so a file with a bad header raises
    FileRejected here, before anything is written. None for a file that cannot be cut."""
    raw, encoding = sniff(source)
    if encoding not in CUTTABLE_ENCODINGS:
        return None
    text = MeasuredText(raw, encoding)
    reader = CsvEntryReader(text, "UTC")
    header_end = start = text.offset
    chunks: list[Chunk] = []
    first_row, last_row = 2, 1
    for row in reader.record_ends():
        last_row = row
        if text.at_line_end and text.offset - start >= chunk_bytes:
            chunks.append(Chunk(len(chunks), start, text.offset, first_row, row))
            start, first_row = text.offset, row + 1
    if text.offset > start or not chunks:
        chunks.append(Chunk(len(chunks), start, text.offset, first_row, last_row))
    return ChunkPlan(encoding, header_end, chunks)


def chunk_reader(
    header: bytes, body: BinaryIO, encoding: str, timezone: str, first_row: int
) -> CsvEntryReader:
    """The rows of one part: its bytes read after the file's header bytes, decoded as the whole
    file was, numbered as in the whole file."""
    text, _ = open_text(prefixed(header, body), encoding)
    return CsvEntryReader(text, timezone, first_row)
