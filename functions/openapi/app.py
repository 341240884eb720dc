"""GET /api/openapi.json: the OpenAPI document of the whole API, without a token."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import OPENAPI_ANSWER, documented, openapi_document
from timeport.api.app import create_app

logger = Logger()
app = create_app()


@app.get(
    "/api/openapi.json",
    **documented(
        "This document: every route, request body and answer of the API",
        {200: OPENAPI_ANSWER},
        public=True,
    ),
)
def document():
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_document()
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
