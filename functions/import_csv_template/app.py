"""GET /api/import/template/csv: the CSV template with the guide's columns and two example rows."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import CSV_FILE, documented
from timeport.api.app import create_app
from timeport.sources.csv_entries import TEMPLATE_CSV

logger = Logger()
app = create_app()


@app.get(
    "/api/import/template/csv",
    **documented(
        "The CSV template: the guide's columns and two example rows",
        {200: CSV_FILE},
    ),
)
def csv_template():
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=TEMPLATE_CSV,
        headers={"Content-Disposition": 'attachment; filename="timeport_import_template.csv"'},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
