"""POST /api/export/filtered: start an export of chosen data (json, csv or xlsx); answers 202."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import ExportStarted, documented, json_answer
from timeport.api.app import create_app, current_caller, json_response
from timeport.api.schemas import FilteredExportRequest
from timeport.api.workers import invoke_async
from timeport.jobs.filtered_export import start_filtered_export
from timeport.jobs.records import export_reference
from timeport.settings import get_settings

logger = Logger()
app = create_app()


@app.post(
    "/api/export/filtered",
    **documented(
        "Start an export of chosen data as json, csv or xlsx",
        {202: json_answer(ExportStarted, "The export runs as a job")},
        {403: "filters.all_users is for admins only"},
        body="json",
    ),
)
def start_export(request: FilteredExportRequest):
    worker = get_settings().export_worker_function
    filters = request.filters.model_dump()
    job = start_filtered_export(
        current_caller(app), request.format, filters, lambda payload: invoke_async(worker, payload)
    )
    logger.info(
        "Filtered export started", extra={"export_id": job.job_id, "format": request.format}
    )
    return json_response(202, {"success": True, **export_reference(job)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
