"""GET /api/health: answers 200 without a token once the service is up."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import Health, documented, json_answer
from timeport.api.app import create_app

logger = Logger()
app = create_app()


@app.get(
    "/api/health",
    **documented(
        "Answers without a token once the service is up",
        {200: json_answer(Health, "The service is up")},
        public=True,
    ),
)
def health() -> dict:
    return {"status": "ok", "service": "timeport"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
