"""GET /api/export/download/{export_id}: 302 to a short-lived presigned URL of the caller's export."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import REDIRECT, documented
from timeport.api.app import create_app, current_caller
from timeport.jobs.exports import download_url

logger = Logger()
app = create_app()


@app.get(
    "/api/export/download/<export_id>",
    **documented(
        "The file of one of the caller's exports, through a short-lived presigned URL",
        {302: REDIRECT},
        {
            404: "no export with this id belongs to the caller",
            409: "the export has not finished, or it failed",
            410: "the export has expired, or its file is no longer stored",
        },
    ),
)
def download(export_id: str):
    location = download_url(current_caller(app), export_id)
    logger.info("Export download issued", extra={"export_id": export_id})
    return Response(
        status_code=302, headers={"Location": location, "Cache-Control": "no-store"}, body=""
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
