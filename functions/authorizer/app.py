"""Lambda REQUEST authorizer of the HTTP API: a bearer token in, a simple response out."""

from aws_lambda_powertools import Logger

from timeport.api.auth import authorize

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    decision = authorize(event)
    logger.info("Authorization decided", extra={"authorized": decision["isAuthorized"]})
    return decision
