"""POST /api/backup/restore: an admin restores a backup, by `{upload_key}` or a multipart `file`
of up to 4 MB; answers 202 and runs the restore as an import job."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import ImportStarted, documented, json_answer
from timeport.api.app import create_app, current_caller, json_response, require_admin
from timeport.api.restore_body import upload_key_from_body
from timeport.api.workers import invoke_async
from timeport.jobs.restore_uploads import start_restore
from timeport.settings import get_settings

logger = Logger()
app = create_app()


@app.post(
    "/api/backup/restore",
    **documented(
        "An admin restores a backup, by upload key or as a file of up to 4 MB",
        {202: json_answer(ImportStarted, "The restore runs as an import job")},
        {
            403: "the caller is not an admin",
            409: "another restore is still running, or an import is writing entries",
            413: "the file is over 4 MB: use POST /api/backup/restore/upload-url",
        },
        body="json or multipart",
    ),
)
def restore():
    caller = current_caller(app)
    require_admin(caller)
    upload_key = upload_key_from_body(app, caller)
    worker = get_settings().restore_worker_function
    job = start_restore(caller, upload_key, lambda payload: invoke_async(worker, payload))
    logger.info("Restore started", extra={"import_id": job.job_id, "user_id": caller.user_id})
    return json_response(202, {"success": True, "import_id": job.job_id})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
