"""The body of POST /api/backup/restore: JSON `{upload_key}`, or a multipart `file`.

The route takes two content types, so the resolver cannot validate the body; this does, with
errors that read like the resolver's.
"""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import ValidationError

from timeport.api.app import describe, raw_body
from timeport.api.multipart import parse_files
from timeport.api.schemas import RestoreRequest
from timeport.domain.users import Caller
from timeport.errors import BadRequest
from timeport.jobs.restore_uploads import accept_restore_file


def upload_key_from_body(app: APIGatewayHttpResolver, caller: Caller) -> str:
    """The upload key to restore from; a file sent in the body is stored first."""
    content_type = app.current_event.headers.get("content-type") or ""
    body = raw_body(app)
    if content_type.lower().startswith("multipart/form-data"):
        upload = parse_files(content_type, body).get("file")
        if upload is None:
            raise BadRequest("No file provided: send the backup in the field 'file'")
        return accept_restore_file(caller, upload.content)
    try:
        return RestoreRequest.model_validate_json(body or b"{}").upload_key
    except ValidationError as error:
        raise BadRequest("; ".join(describe(item) for item in error.errors())) from error
