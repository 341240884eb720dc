"""The resolver every HTTP function builds, and the one place where errors become answers."""

import base64
import binascii
import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from timeport.domain.users import Caller
from timeport.errors import Forbidden, TimeportError

logger = Logger(child=True)


def json_response(status_code: int, body: dict, headers: dict | None = None) -> Response:
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False),
        headers=headers,
    )


def describe(error: dict) -> str:
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "it cannot be parsed")
        # Powertools' validation puts the character where parsing stopped into `loc`; pydantic's
        # own model_validate_json (the restore body) leaves `loc` empty.
        where = f" (character {error['loc'][-1]})" if error.get("loc") else ""
        return f"The body is not valid JSON: {reason}{where}"
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    return f"{location}: {error.get('msg', 'invalid value')}"


_BODY_TYPES = ("application/json", "multipart/form-data")
_UNSUPPORTED_TYPE = "Send the body as application/json (or multipart/form-data for file uploads)"


class TimeportResolver(APIGatewayHttpResolver):
    """The HTTP API resolver, refusing a body in an unknown format before anything parses it:
    validation would otherwise read form-encoded JSON as one strange field name."""

    def resolve(self, event: dict, context) -> dict:
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if event.get("body") and content_type not in _BODY_TYPES:
            return _refusal(415, _UNSUPPORTED_TYPE)
        if event.get("body") and content_type == "application/json" and not _readable_json(event):
            return _refusal(400, "The body is not valid JSON in UTF-8")
        return super().resolve(event, context)


def _readable_json(event: dict) -> bool:
    """False for a body that is not UTF-8 or nests too deep to parse. Other JSON mistakes are
    left to validation, which names the character where parsing stopped."""
    body = event["body"]
    try:
        text = base64.b64decode(body).decode("utf-8") if event.get("isBase64Encoded") else body
        json.loads(text)
    except (UnicodeDecodeError, RecursionError, binascii.Error):
        return False
    except ValueError:
        return True
    return True


def _refusal(status: int, message: str) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"error": message}),
        "isBase64Encoded": False,
    }


def create_app() -> TimeportResolver:
    app = TimeportResolver(enable_validation=True)

    @app.exception_handler(TimeportError)
    def handle_domain_error(error: TimeportError) -> Response:
        return json_response(error.status_code, {"error": error.message})

    @app.exception_handler(RequestValidationError)
    def handle_invalid_request(error: RequestValidationError) -> Response:
        details = [describe(item) for item in error.errors()]
        return json_response(
            400, {"error": "; ".join(details) or "The request is not valid", "details": details}
        )

    @app.exception_handler(NotFoundError)
    def handle_no_route(error: NotFoundError) -> Response:
        return json_response(404, {"error": "Not found"})

    @app.exception_handler(RequestUnsupportedContentType)
    def handle_unsupported_type(error: RequestUnsupportedContentType) -> Response:
        return json_response(415, {"error": _UNSUPPORTED_TYPE})

    @app.exception_handler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        logger.error("Unhandled error", exc_info=error)
        return json_response(
            500, {"error": "Internal error; try again, and report it if it persists"}
        )

    return app


def current_caller(app: APIGatewayHttpResolver) -> Caller:
    """The caller the authorizer put into the request context."""
    context = app.current_event.raw_event["requestContext"]["authorizer"]["lambda"]
    return Caller(
        user_id=context["user_id"],
        username=context["username"],
        role=context["role"],
        timezone=context["timezone"],
    )


def require_admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise Forbidden("This route is for admins only")


def raw_body(app: APIGatewayHttpResolver) -> bytes:
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(body)
    return body.encode("utf-8")
