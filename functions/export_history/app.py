"""GET /api/export/history: the caller's exports, newest first."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.app import create_app, current_caller
from timeport.jobs.exports import export_history

logger = Logger()
app = create_app()


@app.get("/api/export/history")
def history() -> dict:
    return export_history(current_caller(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
