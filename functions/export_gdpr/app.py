"""POST /api/export/gdpr: start an export of all the caller's data (json or zip); answers 202."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import ExportStarted, documented, json_answer
from timeport.api.app import create_app, current_caller, json_response
from timeport.api.schemas import GdprExportRequest
from timeport.api.workers import invoke_async
from timeport.jobs.gdpr_export import start_gdpr_export
from timeport.jobs.records import export_reference
from timeport.settings import get_settings

logger = Logger()
app = create_app()


@app.post(
    "/api/export/gdpr",
    **documented(
        "Start an export of all the caller's data as json or zip",
        {202: json_answer(ExportStarted, "The export runs as a job")},
        body="json",
    ),
)
def start_export(request: GdprExportRequest):
    worker = get_settings().export_worker_function
    job = start_gdpr_export(
        current_caller(app), request.format, lambda payload: invoke_async(worker, payload)
    )
    logger.info("GDPR export started", extra={"export_id": job.job_id, "format": request.format})
    return json_response(202, {"success": True, **export_reference(job)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
