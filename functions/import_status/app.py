"""GET /api/import/status/{import_id}: one of the caller's imports, with counts and row errors."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import ImportView, documented, json_answer
from timeport.api.app import create_app, current_caller
from timeport.jobs.imports import import_status

logger = Logger()
app = create_app()


@app.get(
    "/api/import/status/<import_id>",
    **documented(
        "One of the caller's imports, with counts and row errors",
        {200: json_answer(ImportView, "The import")},
        {404: "no import with this id belongs to the caller"},
    ),
)
def status(import_id: str) -> dict:
    return import_status(current_caller(app), import_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
