"""GET /api/export/status/{export_id}: one of the caller's exports, with its expiry."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import ExportView, documented, json_answer
from timeport.api.app import create_app, current_caller
from timeport.jobs.exports import export_status

logger = Logger()
app = create_app()


@app.get(
    "/api/export/status/<export_id>",
    **documented(
        "One of the caller's exports, with its expiry",
        {200: json_answer(ExportView, "The export")},
        {404: "no export with this id belongs to the caller"},
    ),
)
def status(export_id: str) -> dict:
    return export_status(current_caller(app), export_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
