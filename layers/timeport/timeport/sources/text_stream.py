"""Turn a byte stream of unknown encoding into a text stream the csv module can read.

The encoding is decided from the first block: a BOM wins, then UTF-8, then Windows-1252
(what Excel writes on Western-European Windows). A UTF-8 file may still hold Windows-1252
bytes further on (the first accent after the first block, or pasted text): those bytes are
read as Windows-1252 too. A byte that is text in neither becomes U+FFFD, so it fails its row
instead of the whole file.
"""

import codecs
import io
from typing import BinaryIO

from timeport.errors import FileRejected

SNIFF_BYTES = 64 * 1024
FALLBACK_ERRORS = "timeport-cp1252-fallback"


def _read_as_cp1252(error: UnicodeDecodeError) -> tuple[str, int]:
    text = error.object[error.start : error.end].decode("cp1252", errors="replace")
    return text, error.end


codecs.register_error(FALLBACK_ERRORS, _read_as_cp1252)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class _PrefixedStream(io.RawIOBase):
    """A raw stream that serves bytes already read, then the rest of the source."""

    def __init__(self, prefix: bytes, source: BinaryIO):
        self._prefix = memoryview(prefix)
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        chunk = self._source.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def detect_encoding(head: bytes) -> str:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if head.count(b"\x00") > len(head) // 10:
        raise FileRejected(
            "The file is not text (it is mostly NUL bytes): upload a CSV file saved as UTF-8"
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def decode_errors(encoding: str) -> str:
    """What a byte that is not text in `encoding` becomes (see the module's docstring)."""
    return FALLBACK_ERRORS if encoding == "utf-8" else "replace"


def sniff(source: BinaryIO, encoding: str | None = None) -> tuple[io.BufferedReader, str]:
    """The whole of `source` again as a buffered byte stream, and its encoding: `encoding`
    when given (a part of a file is read as the whole file was), else detected."""
    head = source.read(SNIFF_BYTES)
    if not head:
        raise FileRejected("The file is empty: it needs a header row and at least one data row")
    encoding = encoding or detect_encoding(head)
    return io.BufferedReader(_PrefixedStream(head, source), 1024 * 1024), encoding


def prefixed(prefix: bytes, source: BinaryIO) -> io.BufferedReader:
    """`prefix`, then `source`, as one byte stream."""
    return io.BufferedReader(_PrefixedStream(prefix, source), 1024 * 1024)


def open_text(source: BinaryIO, encoding: str | None = None) -> tuple[io.TextIOWrapper, str]:
    """Return a text stream over `source` and the name of the encoding it was read with."""
    raw, encoding = sniff(source, encoding)
    text = io.TextIOWrapper(raw, encoding=encoding, errors=decode_errors(encoding), newline="")
    return text, encoding
