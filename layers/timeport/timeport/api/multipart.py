"""multipart/form-data bodies, parsed with the standard library's MIME parser."""

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from timeport.errors import BadRequest

# Browsers send the file name between quotes without escaping backslashes, so the name is
# taken from the raw header: RFC unquoting would turn C:\Users\a.csv into C:Usersa.csv.
_QUOTED_FILENAME = re.compile(r'filename="([^"]*)"', re.IGNORECASE)


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content: bytes


def _raw_header(part: Message, name: str) -> str:
    """A header as sent. Browsers send UTF-8 file names raw; the parser keeps those bytes as
    surrogate escapes, turned back into text here."""
    for key, value in part.raw_items():
        if key.lower() == name.lower():
            return str(value).encode("ascii", "surrogateescape").decode("utf-8", "replace")
    return ""


def _filename(part: Message) -> str | None:
    if part.get_param("filename*", header="content-disposition") is not None:
        return part.get_filename()
    match = _QUOTED_FILENAME.search(_raw_header(part, "Content-Disposition"))
    return match.group(1) if match else part.get_filename()


def parse_files(content_type: str | None, body: bytes) -> dict[str, UploadedFile]:
    """The file parts of a multipart body, by field name."""
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        raise BadRequest("Send the file as multipart/form-data with the field 'file'")
    header = b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n"
    message = BytesParser(policy=compat32).parsebytes(header + body)
    if not message.is_multipart():
        raise BadRequest("The multipart body could not be read")
    files: dict[str, UploadedFile] = {}
    for part in message.get_payload():
        field = part.get_param("name", header="content-disposition")
        filename = _filename(part)
        if field and filename is not None:
            content = part.get_payload(decode=True) or b""
            files[field] = UploadedFile(field=field, filename=filename, content=content)
    return files
