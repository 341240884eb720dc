"""POST /api/export/backup: an admin starts a backup of every section into backups/; answers 202."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import ExportStarted, documented, json_answer
from timeport.api.app import create_app, current_caller, json_response, require_admin
from timeport.api.workers import invoke_async
from timeport.jobs.backups import start_backup
from timeport.jobs.records import export_reference
from timeport.settings import get_settings

logger = Logger()
app = create_app()


@app.post(
    "/api/export/backup",
    **documented(
        "An admin starts a backup of every section into backups/",
        {202: json_answer(ExportStarted, "The backup runs as an export job")},
        {403: "the caller is not an admin"},
    ),
)
def start():
    caller = current_caller(app)
    require_admin(caller)
    worker = get_settings().export_worker_function
    job = start_backup(caller, lambda payload: invoke_async(worker, payload))
    logger.info("Backup started", extra={"export_id": job.job_id, "user_id": caller.user_id})
    return json_response(202, {"success": True, **export_reference(job)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
