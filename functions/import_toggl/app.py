"""POST /api/import/toggl: check the Toggl token, then import the date range in the background."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import source_import_documented
from timeport.api.app import create_app, current_caller, json_response
from timeport.api.schemas import TogglImportRequest
from timeport.jobs.source_import import start_source_import

logger = Logger()
app = create_app()


@app.post(
    "/api/import/toggl",
    **source_import_documented("Toggl", "workspace"),
)
def import_toggl(request: TogglImportRequest):
    job = start_source_import(
        current_caller(app),
        "toggl",
        request.workspace_id,
        request.api_token.get_secret_value(),
        request.start_date,
        request.end_date,
    )
    logger.info("Toggl import started", extra={"import_id": job.job_id})
    return json_response(202, {"success": True, "import_id": job.job_id})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
