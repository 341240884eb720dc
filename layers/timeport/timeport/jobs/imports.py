"""What every import shares: status and history."""

from timeport.domain.users import Caller
from timeport.jobs.records import get_job, history_page, import_view


def import_status(caller: Caller, import_id: str) -> dict:
    return import_view(get_job(caller.user_id, import_id, "import"))


def import_history(caller: Caller, all_users: bool, limit: int, before: str | None) -> dict:
    """One page, newest first, without the per-row errors (the status route has them).
    `all_users` lists every user's imports (admins only: the handler checks)."""
    page = history_page("import", None if all_users else caller.user_id, limit, before)
    imports = []
    for job in page["jobs"]:
        view = import_view(job)
        del view["errors"]
        imports.append(view)
    return {"imports": imports, "next_before": page["next_before"]}
