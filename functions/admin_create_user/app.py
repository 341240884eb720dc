"""POST /api/admin/users: an admin creates a user and receives their first API token, once."""

from dataclasses import asdict

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import UserCreated, documented, json_answer
from timeport.api.app import create_app, current_caller, json_response, require_admin
from timeport.api.schemas import CreateUserRequest
from timeport.domain.users import create_user

logger = Logger()
app = create_app()


@app.post(
    "/api/admin/users",
    **documented(
        "An admin creates a user and receives their first API token, once",
        {201: json_answer(UserCreated, "The user, with their API token")},
        {403: "the caller is not an admin", 409: "the username is already taken"},
        body="json",
    ),
)
def create(request: CreateUserRequest):
    require_admin(current_caller(app))
    user = create_user(request.username, request.email, request.role, request.timezone)
    logger.info("User created", extra={"user_id": user.user_id, "role": request.role})
    return json_response(201, asdict(user))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
