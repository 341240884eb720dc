"""GET /api/import/history: the caller's imports, newest first."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.app import create_app, current_caller
from timeport.jobs.imports import import_history

logger = Logger()
app = create_app()


@app.get("/api/import/history")
def history() -> dict:
    return import_history(current_caller(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
