"""Toggl Track: the credential check (API v9) and time entries from the Reports API v3.

Paging follows the X-Next-ID / X-Next-Row-Number headers, sent back as first_id /
first_row_number. A 402 carrying quota headers means the hourly request quota is used up
(wait until it resets); a 402 without them means the workspace's plan lacks the feature.
"""

from dataclasses import dataclass
from datetime import datetime

import requests

from timeport.sources.remote import (
    USER_AGENT,
    SourceBusy,
    SourceEntry,
    SourceRejected,
    raise_for_common_status,
    send,
)

NAME = "Toggl"
PAGE_SIZE = 50


@dataclass(frozen=True)
class TogglCursor:
    first_id: int
    first_row_number: int


@dataclass
class TogglPage:
    entries: list[SourceEntry]
    skipped: int
    next_cursor: TogglCursor | None


class TogglClient:
    def __init__(self, token: str, workspace_id: str, base_url: str, session=None):
        self._base = base_url.rstrip("/")
        self._workspace = workspace_id
        self._session = session or requests.Session()
        self._session.auth = (token, "api_token")
        self._session.headers["User-Agent"] = USER_AGENT

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        response = send(self._session, method, self._base + path, NAME, **kwargs)
        if response.status_code == 402:
            reset = response.headers.get("X-Toggl-Quota-Resets-In", "")
            if reset.isdigit():
                wait = max(1, int(reset))
                raise SourceBusy(
                    f"Toggl hourly quota used up: waiting {wait} s until it resets", wait
                )
            raise SourceRejected(
                "Toggl refused the request (402): this workspace's plan does not include it"
            )
        raise_for_common_status(response, NAME)
        return response

    def check_credentials(self) -> None:
        """Cheap calls: the token (/me), then the workspace, so that a wrong workspace id is
        named as such instead of failing the import later as a refused token."""
        self._call("GET", "/api/v9/me")
        try:
            self._call("GET", f"/api/v9/workspaces/{self._workspace}")
        except SourceRejected as error:
            raise SourceRejected(
                f"workspace {self._workspace} is not one this token can see ({error.message})"
            ) from error

    def names(self) -> dict[str, dict]:
        """Project, client and tag names by id, for reports that lack them."""
        base = f"/api/v9/workspaces/{self._workspace}"
        clients = {
            str(item["id"]): item["name"]
            for item in self._call("GET", f"{base}/clients", params={"status": "both"}).json() or []
        }
        projects = {
            str(item["id"]): {
                "name": item["name"],
                "client": clients.get(str(item.get("client_id"))),
            }
            for item in self._call("GET", f"{base}/projects", params={"active": "both"}).json()
            or []
        }
        tags = {
            str(item["id"]): item["name"] for item in self._call("GET", f"{base}/tags").json() or []
        }
        return {"projects": projects, "tags": tags}

    def report_page(
        self, start_date: str, end_date: str, cursor: TogglCursor | None, names
    ) -> TogglPage:
        """One page of the detailed report; `names` is called only if rows lack names."""
        body = {
            "start_date": start_date,
            "end_date": end_date,
            "enrich_response": True,
            "page_size": PAGE_SIZE,
            "order_by": "date",
            "order_dir": "asc",
        }
        if cursor:
            body.update(first_id=cursor.first_id, first_row_number=cursor.first_row_number)
        response = self._call(
            "POST", f"/reports/api/v3/workspace/{self._workspace}/search/time_entries", json=body
        )
        next_id = response.headers.get("X-Next-ID")
        next_row = response.headers.get("X-Next-Row-Number")
        next_cursor = (
            TogglCursor(int(next_id), int(next_row))
            if next_id and next_row and next_id.isdigit() and next_row.isdigit()
            else None
        )
        entries, skipped = rows_to_entries(response.json() or [], names)
        return TogglPage(entries, skipped, next_cursor)


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def rows_to_entries(rows: list[dict], names) -> tuple[list[SourceEntry], int]:
    """Flatten report rows into entries. Running and deleted entries are skipped, and counted."""
    entries: list[SourceEntry] = []
    skipped = 0
    lookup = None
    for row in rows:
        project_name = row.get("project_name")
        client_name = row.get("client_name")
        tags = row.get("tags") if isinstance(row.get("tags"), list) else None
        needs_names = (row.get("project_id") and not project_name) or (
            row.get("tag_ids") and tags is None
        )
        if needs_names:
            lookup = lookup or names()
            project = lookup["projects"].get(str(row.get("project_id")), {})
            project_name = project_name or project.get("name")
            client_name = client_name or project.get("client")
            if tags is None:
                tags = [lookup["tags"].get(str(tag_id), str(tag_id)) for tag_id in row["tag_ids"]]
        for item in row.get("time_entries") or []:
            if (
                not item.get("stop")
                or (item.get("seconds") or 0) < 0
                or item.get("server_deleted_at")
            ):
                skipped += 1
                continue
            entries.append(
                SourceEntry(
                    source="toggl",
                    source_id=str(item["id"]),
                    start=_utc(item["start"]),
                    end=_utc(item["stop"]),
                    project_name=project_name,
                    client_name=client_name,
                    task_name=row.get("task_name"),
                    notes=row.get("description") or None,
                    billable=bool(row.get("billable")),
                    tags=list(tags or []),
                )
            )
    return entries, skipped
