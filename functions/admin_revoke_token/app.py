"""DELETE /api/admin/tokens/{token_id}: an admin revokes an API token; it stops working within
the authorizer's cache TTL."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import documented
from timeport.api.app import create_app, current_caller, require_admin
from timeport.domain.users import revoke_token

logger = Logger()
app = create_app()


@app.delete(
    "/api/admin/tokens/<token_id>",
    **documented(
        "An admin revokes an API token",
        {204: {"description": "Revoked; it stops working within the authorizer's cache TTL"}},
        {403: "the caller is not an admin", 404: "no token has this id"},
    ),
)
def revoke(token_id: str):
    require_admin(current_caller(app))
    user_id = revoke_token(token_id)
    logger.info("Token revoked", extra={"token_id": token_id, "user_id": user_id})
    return Response(status_code=204, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
