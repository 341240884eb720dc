"""GET /api/import/history: the caller's imports, newest first; `?all=true`: everyone's (admins)."""

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import ImportHistory, documented, json_answer
from timeport.api.app import create_app, current_caller, require_admin
from timeport.jobs.imports import import_history
from timeport.jobs.records import HISTORY_PAGE

logger = Logger()
app = create_app()


@app.get(
    "/api/import/history",
    **documented(
        "The caller's imports, newest first, a page at a time; all=true: every user's (admins)",
        {200: json_answer(ImportHistory, "The imports")},
        {400: "all, limit or before is not valid", 403: "all=true is for admins only"},
    ),
)
def history(
    all_users: Annotated[bool, Query(alias="all")] = False,
    limit: Annotated[int, Query(ge=1, le=HISTORY_PAGE)] = HISTORY_PAGE,
    before: Annotated[str | None, Query(max_length=40)] = None,
) -> dict:
    caller = current_caller(app)
    if all_users:
        require_admin(caller)
    return import_history(caller, all_users, limit, before)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
