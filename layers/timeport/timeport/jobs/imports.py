"""What every import shares: status and history."""

from timeport.domain.users import Caller
from timeport.jobs.records import get_job, import_view, list_all_jobs, list_jobs


def import_status(caller: Caller, import_id: str) -> dict:
    return import_view(get_job(caller.user_id, import_id, "import"))


def import_history(caller: Caller, all_users: bool = False) -> dict:
    """Newest first, without the per-row errors (the status route has them). `all_users` lists
    every user's imports (admins only: the handler checks)."""
    jobs = list_all_jobs("import") if all_users else list_jobs(caller.user_id, "import")
    imports = []
    for job in jobs:
        view = import_view(job)
        del view["errors"]
        imports.append(view)
    return {"imports": imports}
