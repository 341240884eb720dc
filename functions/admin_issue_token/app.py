"""POST /api/admin/users/{user_id}/tokens: an admin issues another API token to an existing user
(for example one restored from a backup), shown once."""

from dataclasses import asdict

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import UserCreated, documented, json_answer
from timeport.api.app import create_app, current_caller, json_response, require_admin
from timeport.domain.users import issue_token

logger = Logger()
app = create_app()


@app.post(
    "/api/admin/users/<user_id>/tokens",
    **documented(
        "An admin issues another API token to an existing user, shown once",
        {201: json_answer(UserCreated, "The user, with the new API token")},
        {403: "the caller is not an admin", 404: "no user has this id"},
    ),
)
def issue(user_id: str):
    require_admin(current_caller(app))
    issued = issue_token(user_id)
    logger.info("Token issued", extra={"user_id": user_id, "token_id": issued.token_id})
    return json_response(201, asdict(issued))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
