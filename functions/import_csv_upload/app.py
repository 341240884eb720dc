"""POST /api/import/csv: a CSV of up to 4 MB in the multipart field 'file'; answers 202 and imports it."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import RESTORE_RUNNING, ImportStarted, documented, json_answer
from timeport.api.app import create_app, current_caller, json_response, raw_body
from timeport.api.multipart import parse_files
from timeport.jobs.csv_uploads import accept_csv_file, clean_csv_filename

logger = Logger()
app = create_app()


@app.post(
    "/api/import/csv",
    **documented(
        "Import a CSV of up to 4 MB sent in the multipart field 'file'",
        {202: json_answer(ImportStarted, "The import runs as a job")},
        {
            409: RESTORE_RUNNING,
            413: "the file is over 4 MB: use POST /api/import/csv/upload-url",
        },
        body="multipart",
    ),
)
def upload_csv():
    files = parse_files(app.current_event.headers.get("content-type"), raw_body(app))
    upload = files.get("file")
    filename = clean_csv_filename(upload.filename if upload else None)
    job = accept_csv_file(current_caller(app), filename, upload.content)
    logger.info("CSV received", extra={"import_id": job.job_id, "bytes": len(upload.content)})
    return json_response(202, {"success": True, "import_id": job.job_id})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
