"""POST /api/backup/restore/upload-url: an admin gets a presigned URL to upload a backup to."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import RestoreUploadUrl, documented, json_answer
from timeport.api.app import create_app, current_caller, require_admin
from timeport.jobs.restore_uploads import start_restore_upload

logger = Logger()
app = create_app()


@app.post(
    "/api/backup/restore/upload-url",
    **documented(
        "An admin gets a presigned URL to upload a backup to",
        {200: json_answer(RestoreUploadUrl, "Where to PUT the backup")},
        {403: "the caller is not an admin"},
    ),
)
def create_upload_url() -> dict:
    caller = current_caller(app)
    require_admin(caller)
    upload = start_restore_upload(caller)
    logger.info("Restore upload URL issued", extra={"user_id": caller.user_id})
    return upload


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
