"""POST /api/import/csv/upload-url: a presigned URL to upload a CSV to; the upload starts the import."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import RESTORE_RUNNING, CsvUploadUrl, documented, json_answer
from timeport.api.app import create_app, current_caller
from timeport.api.schemas import CsvUploadUrlRequest
from timeport.jobs.csv_uploads import start_csv_upload

logger = Logger()
app = create_app()


@app.post(
    "/api/import/csv/upload-url",
    **documented(
        "A presigned URL to upload a CSV of any size to; the upload starts the import",
        {200: json_answer(CsvUploadUrl, "Where to send the CSV")},
        {409: RESTORE_RUNNING},
        body="json",
    ),
)
def create_upload_url(request: CsvUploadUrlRequest) -> dict:
    upload = start_csv_upload(current_caller(app), request.filename)
    logger.info("CSV upload URL issued", extra={"import_id": upload["import_id"]})
    return upload


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
