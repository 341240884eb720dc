"""Response bodies of the HTTP API, and what each route declares about them in its OpenAPI.

Every handler passes `documented(...)` to its route decorator. The models here describe what
the layer really answers, field for field (extra fields are refused), so that a fuzzer reading
the merged document (infra/openapi.py) catches an answer that drifted from its description.
"""

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from timeport.api.schemas import RestoreRequest

# Described in infra/openapi.py: Powertools' OpenAPI models take a tenth of a second to import,
# which no handler should pay at a cold start.
BEARER_SCHEME = "bearerAuth"
JSON = "application/json"
# Written by `python -m infra.openapi` from every handler, served by GET /api/openapi.json.
DOCUMENT_PATH = Path(__file__).with_name("openapi.json")


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppError(_Answer):
    error: str = Field(description="What went wrong, in words the caller can act on")
    details: list[str] | None = Field(
        default=None, description="One entry per invalid field, when the request was invalid"
    )


class GatewayError(_Answer):
    """API Gateway's own refusals (no token, a refused token, a body over 10 MB) say `message`."""

    message: str


class ErrorBody(RootModel[AppError | GatewayError]):
    """Every 4xx answer: `error` from the function, or `message` from API Gateway."""


class Health(_Answer):
    status: Literal["ok"]
    service: str


class UserCreated(_Answer):
    user_id: str
    username: str
    api_token: str = Field(description="Shown only in this answer; stored hashed")
    token_id: str = Field(description="Names the token for DELETE /api/admin/tokens/{token_id}")


class ImportStarted(_Answer):
    success: Literal[True]
    import_id: str


class ExportStarted(_Answer):
    success: Literal[True]
    export_id: str
    filename: str | None
    download_url: str = Field(description="The path of GET /api/export/download/{export_id}")


class _UploadUrl(_Answer):
    upload_url: str = Field(description="Where to POST the upload form (a presigned S3 POST)")
    method: Literal["POST"]
    fields: dict[str, str] = Field(
        description="Form fields to send as they are, before the file; their signed policy "
        "binds the upload to one key, one content type and 1 byte to max_bytes"
    )
    file_field: Literal["file"] = Field(description="The form field that carries the file")
    max_bytes: int = Field(description="The largest file S3 accepts through this form")
    expires_in: int = Field(description="Seconds the upload form stays valid")


class CsvUploadUrl(_UploadUrl):
    import_id: str = Field(description="The import that the upload starts")


class RestoreUploadUrl(_UploadUrl):
    upload_key: str = Field(description="Send it to POST /api/backup/restore once uploaded")


JobStatus = Literal["pending", "processing", "completed", "partial", "failed"]


class RowErrorView(_Answer):
    row: int
    column: str | None
    value: str | None
    message: str


class ImportSummary(_Answer):
    id: str
    user_id: str
    import_type: str
    status: JobStatus
    source_file: str | None
    total_records: int
    successful_records: int
    failed_records: int
    skipped_records: int
    pages_done: int
    source_range: dict[str, Any] | None
    waiting_for: str | None
    errors_omitted: int
    error_message: str | None
    created_at: str
    started_at: str | None
    completed_at: str | None
    expires_at: str | None
    is_expired: bool
    summary: dict[str, Any] | None


class ImportView(ImportSummary):
    errors: list[RowErrorView]


_NEXT_BEFORE = "Pass it as ?before= for the next (older) page; null on the last page"


class ImportHistory(_Answer):
    imports: list[ImportSummary] = Field(description="Newest first, without the row errors")
    next_before: str | None = Field(description=_NEXT_BEFORE)


class ExportView(_Answer):
    id: str
    user_id: str
    export_type: str
    export_format: str | None
    status: JobStatus
    filename: str | None
    filters: dict[str, Any] | None
    record_count: int
    file_size: int
    error_message: str | None
    created_at: str
    completed_at: str | None
    expires_at: str | None
    is_expired: bool
    download_url: str


class ExportHistory(_Answer):
    exports: list[ExportView] = Field(description="Newest first")
    next_before: str | None = Field(description=_NEXT_BEFORE)


_STANDARD_ERRORS = {
    400: "The request is not valid; `error` names the field and the reason",
    401: "No Authorization header: API Gateway answers before any function runs",
    403: "The token is unknown, malformed or revoked (API Gateway, after the authorizer)",
    413: "The body is over 10 MB (API Gateway)",
    415: "The body is neither application/json nor multipart/form-data",
}
_MULTIPART_FILE = {
    "type": "object",
    "properties": {"file": {"type": "string", "format": "binary"}},
    "required": ["file"],
}

REDIRECT = {
    "description": "Found: the presigned URL of the file, valid for a few minutes",
    "headers": {
        "Location": {"description": "The presigned URL", "schema": {"type": "string"}},
    },
}
CSV_FILE = {
    "description": "A CSV file (UTF-8), sent as an attachment",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}

OPENAPI_ANSWER = {
    "description": "An OpenAPI 3.1 document",
    "content": {JSON: {"schema": {"type": "object", "required": ["openapi", "paths"]}}},
}


def json_answer(model: type[BaseModel], description: str) -> dict:
    return {"description": description, "content": {JSON: {"model": model}}}


def documented(
    summary: str,
    success: dict[int, dict],
    errors: dict[int, str] | None = None,
    *,
    public: bool = False,
    body: Literal["json", "multipart", "json or multipart"] | None = None,
) -> dict:
    """The OpenAPI keywords of one route: summary, security and every answer it can give.

    `errors` maps the route's own 4xx/5xx to what they mean. A route behind the authorizer
    (not `public`) also answers 401 and 403; one that takes a `body` answers 400, 413 and 415.
    A multipart body is described here because the handler parses it itself; a JSON body
    comes from the handler's pydantic parameter, except where both are accepted.
    """
    codes = {} if public else {401: _STANDARD_ERRORS[401], 403: _STANDARD_ERRORS[403]}
    if body:
        codes.update({code: _STANDARD_ERRORS[code] for code in (400, 413, 415)})
    for code, meaning in (errors or {}).items():
        codes[code] = f"{codes[code]}; or: {meaning}" if code in codes else meaning
    responses = dict(success)
    responses.update(
        {code: json_answer(ErrorBody, meaning) for code, meaning in sorted(codes.items())}
    )
    keywords: dict[str, Any] = {"summary": summary, "responses": responses}
    if not public:
        keywords["security"] = [{BEARER_SCHEME: []}]
    if body in ("multipart", "json or multipart"):
        keywords["openapi_extensions"] = {"requestBody": _request_body(body)}
    return keywords


RESTORE_RUNNING = "an admin is restoring a backup; start the import once it has finished"


def source_import_documented(source: str, account: str) -> dict:
    """The Toggl and Harvest import routes answer alike."""
    return documented(
        f"Check the {source} token, then import the date range in the background",
        {202: json_answer(ImportStarted, "The import runs as a job")},
        {
            400: f"{source} refused the token or {account}",
            409: RESTORE_RUNNING,
            503: f"{source} is not answering",
        },
        body="json",
    )


def _request_body(body: str) -> dict:
    content = {"multipart/form-data": {"schema": _MULTIPART_FILE}}
    if body == "json or multipart":
        content = {JSON: {"schema": RestoreRequest.model_json_schema()}, **content}
    return {"required": True, "content": content}


@cache
def openapi_document() -> str:
    """The merged OpenAPI document, read once per cold start."""
    return DOCUMENT_PATH.read_text(encoding="utf-8")
