"""GET /api/import/history: the caller's imports, newest first; `?all=true`: everyone's (admins)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from timeport.api.answers import ImportHistory, documented, json_answer
from timeport.api.app import create_app, current_caller, require_admin
from timeport.api.schemas import HISTORY_PAGE, AllUsers, PageBefore, PageSize
from timeport.jobs.imports import import_history

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
def history(all_users: AllUsers = False, limit: PageSize = HISTORY_PAGE, before: PageBefore = None):
    caller = current_caller(app)
    if all_users:
        require_admin(caller)
    return import_history(caller, all_users, limit, before)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
