"""multipart/form-data bodies, parsed with the standard library's MIME parser."""

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from timeport.errors import BadRequest


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content: bytes


def parse_files(content_type: str | None, body: bytes) -> dict[str, UploadedFile]:
    """The file parts of a multipart body, by field name."""
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        raise BadRequest("Send the file as multipart/form-data with the field 'file'")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise BadRequest("The multipart body could not be read")
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        field = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        if field and filename is not None:
            files[field] = UploadedFile(
                field=field, filename=filename, content=part.get_payload(decode=True) or b""
            )
    return files
