"""A fake Toggl Track server: API v9 (me, projects, clients, tags) and Reports API v3 search.

What it imitates (engineering.toggl.com docs, plus bodies observed in public client code):

* HTTP Basic authentication with the API token as user name and ``api_token`` as password.
  Any other credentials get 403, as the real API answers a bad token.
* ``GET /api/v9/me``; ``GET /api/v9/workspaces/{wid}``;
  ``GET /api/v9/workspaces/{wid}/projects`` (``active=true|false|both``, default true),
  ``/clients`` (``status=active|archived|both``, default active) and ``/tags``.
  A workspace other than the fake's own gets 403.
* ``POST /reports/api/v3/workspace/{wid}/search/time_entries`` (the detailed report): a JSON
  array of rows, each with ``time_entries`` [{id, seconds, start, stop, at}]. Deleted entries
  never appear; running ones do (``stop`` null, negative ``seconds`` as in v9). ``start_date``
  and ``end_date`` are inclusive and compared with the entry's start date in the profile time
  zone (UTC unless the constructor says otherwise); times are written with that offset.
  Rows hold one entry each unless the request says ``grouped: true`` (the documented
  default is false), or the constructor forces ``grouped``; grouped rows merge entries that
  share user, project, task, description, billable and tags within one page.
  Paging: at most ``page_size`` entries per page (default 50; larger values are cut to 50),
  in (start, id) order. When more remain, the answer carries ``X-Next-ID``,
  ``X-Next-Row-Number`` and ``X-Next-Timestamp``; the client sends them back as
  ``first_id``, ``first_row_number`` and ``first_timestamp``. ``first_row_number`` alone also
  works for ungrouped reports. A range longer than 366 days gets 400.
  ``enrich_response: true`` adds ``project_name``, ``client_name`` and ``tags`` (names),
  unless the fake was built with ``enrich_names=False``.
* The hourly API quota: a scripted ``402-quota`` answers 402 with
  ``X-Toggl-Quota-Remaining: 0`` and ``X-Toggl-Quota-Resets-In: <seconds>`` and keeps
  answering so, with the remaining seconds, until the window has passed. ``402-plan``
  answers 402 without quota headers (a workspace plan that lacks the feature).

Fault kinds for ``script()``: "429" (``retry_after``), "500", "drop", "stall" (``seconds``),
"402-quota" (``resets_in``, default 2) and "402-plan" (``message``).

Left out: email/password and session-cookie authentication, every write endpoint, the other
report types and exports, the report filters (project_ids, user_ids, billable, ...),
ordering options, rounding, ``hide_amounts``, paging of the v9 list endpoints, quota headers
on successful answers and any real quota counting, ``GET /me/quota``, the ``api_token`` field
of ``/me``, and the exact wording of Toggl's error bodies (only the 402 quota text follows
bodies seen in public client tests).
"""

from __future__ import annotations

import copy
import math
import random
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

from ._base import FakeServer, RecordedRequest, Route, json_response, text_response

DEFAULT_TOKEN = "toggl-fake-token-0123456789abcdef"
DEFAULT_WORKSPACE_ID = 7654321
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 50
MAX_RANGE_DAYS = 366

DEFAULT_USERS = (
    {"id": 9876543, "fullname": "Robin Sample", "email": "robin.sample@example.com"},
    {"id": 9876544, "fullname": "Sam Placeholder", "email": "sam.placeholder@example.com"},
)

# The fictional entities of tests/samples (README there), in compact form.
_CLIENTS = (
    (65000001, "Demo Bakery Co", False, "2025-01-13T10:01:50+00:00", None),
    (65000002, "Sample Analytics GmbH", False, "2024-11-04T08:29:31+00:00", "Invoices in EUR"),
    (65000003, "Old Harbor Archive Ltd", True, "2025-01-31T17:19:12+00:00", None),
)
# id, name, client_id, active, billable, rate, currency, color, created
_PROJECTS = (
    (201000101, "Website Relaunch", 65000001, True, True, 80.0, "EUR", "#0b83d9", "2025-01-13"),
    (201000102, "Data Pipeline", 65000002, True, True, 95.0, "EUR", "#9e5bd9", "2024-11-04"),
    (201000103, "Internal Ops", None, True, False, None, None, "#525266", "2024-06-02"),
    (201000104, "Legacy Support", 65000003, False, True, 70.0, "EUR", "#d94182", "2023-02-15"),
)
_TAGS = (
    (17000001, "Development"),
    (17000002, "Backend"),
    (17000003, "Meeting"),
    (17000004, "Design"),
    (17000005, "Research"),
)
_TASKS = {201000101: (91000201, 91000202)}
_DESCRIPTIONS = (
    "Hero banner layout",
    "Checkout styling",
    "Payment webhook, retries",
    "Client review meeting",
    "Schema migration",
    "Nightly import job",
    'Fix "late arrival" records',
    "Timesheet review",
    "Reading: CSV edge cases",
    "",
)


def default_clients(workspace_id: int = DEFAULT_WORKSPACE_ID) -> list[dict[str, Any]]:
    """Clients shaped like GET /api/v9/workspaces/{wid}/clients?status=both."""
    return [
        {
            "id": cid,
            "wid": workspace_id,
            "archived": archived,
            "name": name,
            "at": at,
            "creator_id": DEFAULT_USERS[0]["id"],
            "notes": notes,
            "permissions": None,
        }
        for cid, name, archived, at, notes in _CLIENTS
    ]


def default_projects(workspace_id: int = DEFAULT_WORKSPACE_ID) -> list[dict[str, Any]]:
    """Projects shaped like GET /api/v9/workspaces/{wid}/projects?active=both."""
    projects = []
    for pid, name, cid, active, billable, rate, currency, color, created in _PROJECTS:
        projects.append(
            {
                "id": pid,
                "workspace_id": workspace_id,
                "client_id": cid,
                "name": name,
                "is_private": False,
                "active": active,
                "at": f"{created}T12:00:00+00:00",
                "created_at": f"{created}T10:00:00+00:00",
                "server_deleted_at": None,
                "color": color,
                "billable": billable,
                "template": False,
                "template_id": None,
                "auto_estimates": False,
                "estimated_hours": None,
                "estimated_seconds": None,
                "rate": rate,
                "rate_last_updated": None,
                "currency": currency,
                "recurring": False,
                "recurring_parameters": None,
                "current_period": None,
                "fixed_fee": None,
                "actual_hours": 0,
                "actual_seconds": 0,
                "start_date": created,
                "end_date": None,
                "status": "active" if active else "archived",
                "pinned": False,
                "can_track_time": True,
                "is_shared": False,
                "wid": workspace_id,
                "cid": cid,
                "permissions": None,
            }
        )
    return projects


def default_tags(workspace_id: int = DEFAULT_WORKSPACE_ID) -> list[dict[str, Any]]:
    """Tags shaped like GET /api/v9/workspaces/{wid}/tags."""
    return [
        {"id": tid, "workspace_id": workspace_id, "name": name, "at": "2025-01-13T10:00:00+00:00"}
        for tid, name in _TAGS
    ]


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


class FakeToggl(FakeServer):
    """Fake Toggl Track API v9 + Reports API v3 detailed search; see the module docstring.

    Args:
        token: the API token that authenticates (user name of HTTP Basic auth).
        workspace_id: the only workspace the token can see.
        entries: time entries in the v9 shape (like tests/samples/toggl_v9_time_entries.json);
            entries with another ``workspace_id`` are ignored by the report.
        projects, clients, tags: workspace lists in the v9 shapes; by default the fictional
            entities of tests/samples.
        users: [{id, fullname, email}], the first one is the token's owner (``/me``).
        timezone: the profile time zone: report dates and written offsets follow it.
        currency: the workspace currency, used for projects without one.
        enrich_names: False makes enrich_response add no names (a report that lacks them).
        grouped: force grouping of report rows on (True) or off (False) whatever the
            request says; None follows the request's ``grouped`` (default false).
    """

    extra_faults = {
        "402-quota": {"resets_in": 2},
        "402-plan": {
            "message": "This feature is not available on the current plan of this workspace."
        },
    }

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        workspace_id: int = DEFAULT_WORKSPACE_ID,
        entries: Iterable[Mapping[str, Any]] = (),
        *,
        projects: Iterable[Mapping[str, Any]] | None = None,
        clients: Iterable[Mapping[str, Any]] | None = None,
        tags: Iterable[Mapping[str, Any]] | None = None,
        users: Sequence[Mapping[str, Any]] = DEFAULT_USERS,
        timezone: str = "UTC",
        currency: str = "EUR",
        enrich_names: bool = True,
        grouped: bool | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.workspace_id = int(workspace_id)
        self.entries: list[dict[str, Any]] = [copy.deepcopy(dict(e)) for e in entries]
        self.projects = [dict(p) for p in (projects or default_projects(self.workspace_id))]
        self.clients = [dict(c) for c in (clients or default_clients(self.workspace_id))]
        self.tags = [dict(t) for t in (tags or default_tags(self.workspace_id))]
        self.users = [dict(u) for u in users]
        self.timezone = timezone
        self.currency = currency
        self.enrich_names = enrich_names
        self.grouped = grouped
        self._quota_until: float | None = None
        self._quota_include_me = False
        self._quota_lock = threading.Lock()
        wid = r"(?P<wid>[^/]+)"
        self.routes = [
            Route("GET", re.compile(r"/api/v9/me"), self._me, is_me=True),
            # A credential check like /me: scripted faults leave it alone.
            Route("GET", re.compile(rf"/api/v9/workspaces/{wid}"), self._workspace, is_me=True),
            Route("GET", re.compile(rf"/api/v9/workspaces/{wid}/projects"), self._projects),
            Route("GET", re.compile(rf"/api/v9/workspaces/{wid}/clients"), self._clients),
            Route("GET", re.compile(rf"/api/v9/workspaces/{wid}/tags"), self._tags),
            Route(
                "POST",
                re.compile(rf"/reports/api/v3/workspace/{wid}/search/time_entries"),
                self._search,
            ),
        ]

    # -- data generation -------------------------------------------------------------------

    @staticmethod
    def generate_entries(
        count: int,
        start_date: date | str,
        days: int,
        projects: Iterable[int | Mapping[str, Any]] | None = None,
        seed: int = 0,
        *,
        workspace_id: int = DEFAULT_WORKSPACE_ID,
        user_ids: Sequence[int] = (DEFAULT_USERS[0]["id"], DEFAULT_USERS[1]["id"]),
        first_id: int = 4_100_000_001,
    ) -> list[dict[str, Any]]:
        """Make `count` v9 time entries starting within `days` days from `start_date` (UTC).

        Deterministic for a given seed. Ids rise with (start, user). Included, once there are
        enough entries: entries without a project (about 1 in 17, at least one), one running
        entry per user (the latest of each, ``stop`` null, ``duration`` = -start epoch),
        deleted entries (about 1 in 30, at least one), an entry crossing midnight UTC, and
        entries sharing a start time. Tags come from the default tags; some entries have
        ``tags``/``tag_ids`` null.
        """
        if count < 0 or days < 1:
            raise ValueError("count must be >= 0 and days >= 1")
        rng = random.Random(seed)
        first_day = _as_date(start_date)
        chosen = list(projects) if projects is not None else default_projects(workspace_id)
        billable_of = {}
        for project in chosen:
            if isinstance(project, Mapping):
                billable_of[int(project["id"])] = bool(project.get("billable", True))
            else:
                billable_of[int(project)] = True
        project_ids = list(billable_of)
        drafts = []
        for index in range(count):
            day = first_day + timedelta(days=rng.randrange(days))
            started = datetime(day.year, day.month, day.day, rng.randint(6, 18), tzinfo=UTC)
            started += timedelta(minutes=rng.choice((0, 15, 30, 45)))
            seconds = rng.randint(1, 16) * 900 + rng.choice((0, 0, 0, rng.randint(1, 899)))
            if index == count // 2 and count >= 5:
                started = started.replace(hour=23, minute=15)
                seconds = 6600
            if index == 1 and count >= 5:
                # Same start as the first draft: ties are broken by id.
                started, seconds = drafts[0][0], 1800
            drafts.append((started, rng.choice(list(user_ids)), seconds, rng.random()))
        drafts.sort(key=lambda draft: (draft[0], draft[1]))

        running = set()
        for user in user_ids:
            mine = [i for i, draft in enumerate(drafts) if draft[1] == user]
            if mine and count >= 4:
                running.add(mine[-1])
        candidates = [i for i in range(count) if i not in running]
        no_project = {i for i in candidates if i % 17 == 5}
        deleted = {i for i in candidates if i % 30 == 11}
        if candidates and count >= 2 and not no_project:
            no_project.add(candidates[0])
        if len(candidates) >= 2 and count >= 3 and not deleted:
            deleted.add(candidates[-1])

        entries = []
        for index, (started, user, seconds, roll) in enumerate(drafts):
            project_id = None
            if index not in no_project and project_ids:
                project_id = project_ids[int(roll * 1000) % len(project_ids)]
            tasks = _TASKS.get(project_id, ())
            task_id = tasks[index % len(tasks)] if tasks and index % 3 == 0 else None
            picked = [tag for tag in _TAGS if rng.random() < 0.25][:2]
            tag_names: list[str] | None = [name for _, name in picked]
            tag_ids: list[int] | None = [tid for tid, _ in picked]
            if index % 11 == 7:
                tag_names, tag_ids = None, None
            stop = started + timedelta(seconds=seconds)
            entry: dict[str, Any] = {
                "id": first_id + index,
                "workspace_id": workspace_id,
                "project_id": project_id,
                "task_id": task_id,
                "billable": billable_of.get(project_id, False) if project_id else False,
                "start": started.isoformat(),
                "stop": stop.isoformat(),
                "duration": seconds,
                "description": _DESCRIPTIONS[int(roll * 997) % len(_DESCRIPTIONS)],
                "tags": tag_names,
                "tag_ids": tag_ids,
                "duronly": True,
                "at": (stop + timedelta(seconds=3)).isoformat(),
                "server_deleted_at": None,
                "user_id": user,
                "uid": user,
                "wid": workspace_id,
            }
            if project_id is not None:
                entry["pid"] = project_id
            if task_id is not None:
                entry["tid"] = task_id
            entry["permissions"] = None
            if index in running:
                entry["stop"] = None
                entry["duration"] = -int(started.timestamp())
                entry["at"] = (started + timedelta(seconds=2)).isoformat()
            elif index in deleted:
                entry["server_deleted_at"] = (stop + timedelta(hours=1)).isoformat()
                entry["at"] = entry["server_deleted_at"]
            entries.append(entry)
        return entries

    # -- authentication and faults ---------------------------------------------------------

    def authenticate(self, request: Request) -> Response | None:
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or auth.username != self.token
            or auth.password != "api_token"
        ):
            return text_response("Incorrect username and/or password", 403)
        return None

    def before_faults(
        self, request: Request, route: Route, record: RecordedRequest
    ) -> Response | None:
        with self._quota_lock:
            until, include_me = self._quota_until, self._quota_include_me
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            with self._quota_lock:
                if self._quota_until == until:
                    self._quota_until = None
            return None
        if route.is_me and not include_me:
            return None
        with self._lock:
            record.fault = "402-quota"
        return self._quota_response(math.ceil(left))

    def apply_fault(self, fault, request, route, record):
        if fault.kind == "402-quota":
            resets_in = int(fault.options["resets_in"])
            with self._quota_lock:
                self._quota_until = time.monotonic() + resets_in
                self._quota_include_me = fault.include_me
            return self._quota_response(resets_in)
        if fault.kind == "402-plan":
            return json_response(fault.options["message"], 402)
        return super().apply_fault(fault, request, route, record)

    def _quota_response(self, seconds: int) -> Response:
        headers = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": str(seconds)}
        text = (
            "You have hit your hourly limit for API calls. "
            f"Your quota will reset in {seconds} seconds."
        )
        return text_response(text, 402, headers)

    def rate_limited_response(self, retry_after: int) -> Response:
        return text_response("Too Many Requests", 429, {"Retry-After": str(retry_after)})

    def error_response(self, status: int, request: Request) -> Response:
        texts = {404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}
        return text_response(texts.get(status, "Error"), status)

    # -- endpoints -------------------------------------------------------------------------

    def _me(self, request: Request) -> Response:
        owner = self.users[0]
        created = "2023-01-09T08:00:00+00:00"
        return json_response(
            {
                "id": owner["id"],
                "email": owner.get("email"),
                "fullname": owner.get("fullname"),
                "timezone": self.timezone,
                "default_workspace_id": self.workspace_id,
                "beginning_of_week": 1,
                "country_id": None,
                "created_at": created,
                "updated_at": created,
                "at": created,
                "has_password": True,
                "openid_enabled": False,
            }
        )

    def _own_workspace(self, wid: str) -> bool:
        return wid.isdigit() and int(wid) == self.workspace_id

    def _forbidden(self) -> Response:
        return json_response("User does not have access to this resource.", 403)

    def _workspace(self, request: Request, wid: str) -> Response:
        if not self._own_workspace(wid):
            return self._forbidden()
        return json_response({"id": self.workspace_id, "name": "Sample Workspace", "premium": True})

    def _projects(self, request: Request, wid: str) -> Response:
        if not self._own_workspace(wid):
            return self._forbidden()
        active = request.args.get("active", "true").lower()
        if active not in {"true", "false", "both"}:
            return json_response("Invalid value for active", 400)
        chosen = [
            p
            for p in self.projects
            if active == "both" or bool(p.get("active")) == (active == "true")
        ]
        return json_response(chosen)

    def _clients(self, request: Request, wid: str) -> Response:
        if not self._own_workspace(wid):
            return self._forbidden()
        status = request.args.get("status", "active").lower()
        if status not in {"active", "archived", "both"}:
            return json_response("Invalid value for status", 400)
        chosen = [
            c
            for c in self.clients
            if status == "both" or bool(c.get("archived")) == (status == "archived")
        ]
        return json_response(chosen)

    def _tags(self, request: Request, wid: str) -> Response:
        if not self._own_workspace(wid):
            return self._forbidden()
        return json_response(self.tags)

    # -- the detailed report ---------------------------------------------------------------

    def _search(self, request: Request, wid: str) -> Response:
        if not self._own_workspace(wid):
            return self._forbidden()
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            return json_response("Invalid request body: a JSON object is expected", 400)
        try:
            start = date.fromisoformat(str(body["start_date"]))
            end = date.fromisoformat(str(body.get("end_date") or body["start_date"]))
        except (KeyError, ValueError):
            return json_response("start_date and end_date must be dates (YYYY-MM-DD)", 400)
        if end < start:
            return json_response("end_date must not be earlier than start_date", 400)
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            return json_response(f"Maximum allowed date range is {MAX_RANGE_DAYS} days", 400)
        try:
            page_size = int(body.get("page_size") or PAGE_SIZE_DEFAULT)
            first_id = int(body["first_id"]) if body.get("first_id") else None
            first_row = int(body["first_row_number"]) if body.get("first_row_number") else None
            first_ts = int(body["first_timestamp"]) if body.get("first_timestamp") else None
        except (TypeError, ValueError):
            return json_response("page_size and first_* must be integers", 400)
        if page_size < 1:
            return json_response("page_size must be positive", 400)
        page_size = min(page_size, PAGE_SIZE_MAX)
        grouped = self.grouped if self.grouped is not None else bool(body.get("grouped"))
        enrich = bool(body.get("enrich_response")) and self.enrich_names

        listed = self._report_entries(start, end)
        offset = 0
        if first_id is not None:
            offset = next((i for i, (_, e) in enumerate(listed) if e["id"] == first_id), -1)
            if offset < 0 and first_ts is not None:
                offset = next(
                    (i for i, (at, _) in enumerate(listed) if at.timestamp() >= first_ts),
                    len(listed),
                )
            elif offset < 0:
                offset = len(listed)
        elif first_row is not None:
            offset = max(first_row - 1, 0)
        row_number = first_row if first_row is not None else offset + 1

        page = [entry for _, entry in listed[offset : offset + page_size]]
        rows = []
        for group in self._group(page, grouped):
            rows.append(self._row(group, row_number, enrich))
            row_number += 1
        headers = {}
        following = offset + page_size
        if following < len(listed):
            next_start, next_entry = listed[following]
            headers = {
                "X-Next-ID": str(next_entry["id"]),
                "X-Next-Row-Number": str(row_number),
                "X-Next-Timestamp": str(int(next_start.timestamp())),
            }
        return json_response(rows, headers=headers)

    def _report_entries(self, start: date, end: date) -> list[tuple[datetime, dict[str, Any]]]:
        zone = ZoneInfo(self.timezone)
        listed = []
        for entry in list(self.entries):
            if entry.get("server_deleted_at"):
                continue
            if int(entry.get("workspace_id") or self.workspace_id) != self.workspace_id:
                continue
            started = _parse_time(entry["start"])
            if start <= started.astimezone(zone).date() <= end:
                listed.append((started, entry))
        listed.sort(key=lambda pair: (pair[0], pair[1]["id"]))
        return listed

    @staticmethod
    def _group(page: list[dict[str, Any]], grouped: bool) -> list[list[dict[str, Any]]]:
        if not grouped:
            return [[entry] for entry in page]
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for entry in page:
            key = (
                entry.get("user_id"),
                entry.get("project_id"),
                entry.get("task_id"),
                entry.get("description") or "",
                bool(entry.get("billable")),
                tuple(sorted(entry.get("tag_ids") or [])),
            )
            groups.setdefault(key, []).append(entry)
        return list(groups.values())

    def _row(self, group: list[dict[str, Any]], row_number: int, enrich: bool) -> dict[str, Any]:
        zone = ZoneInfo(self.timezone)
        first = group[0]
        project = next((p for p in self.projects if p["id"] == first.get("project_id")), None)
        rate = project.get("rate") if project else None
        rate_cents = round(rate * 100) if rate is not None else None
        billable = bool(first.get("billable"))
        amount = None
        if billable and rate_cents is not None:
            seconds = sum(max(int(e.get("duration") or 0), 0) for e in group)
            amount = round(rate_cents * seconds / 3600)
        users = {u["id"]: u for u in self.users}

        def written(value: str | None) -> str | None:
            return _parse_time(value).astimezone(zone).isoformat() if value else None

        row: dict[str, Any] = {
            "user_id": first.get("user_id"),
            "username": users.get(first.get("user_id"), {}).get("fullname"),
            "project_id": first.get("project_id"),
            "task_id": first.get("task_id"),
            "billable": billable,
            "description": first.get("description") or "",
            "tag_ids": list(first.get("tag_ids") or []),
            "billable_amount_in_cents": amount,
            "hourly_rate_in_cents": rate_cents,
            "currency": (project or {}).get("currency") or self.currency,
            "time_entries": [
                {
                    "id": e["id"],
                    "seconds": int(e.get("duration") or 0),
                    "start": written(e["start"]),
                    "stop": written(e.get("stop")),
                    "at": written(e.get("at") or e["start"]),
                }
                for e in group
            ],
            "row_number": row_number,
        }
        if enrich:
            client_id = project.get("client_id") if project else None
            client = next((c for c in self.clients if c["id"] == client_id), None)
            names = {t["id"]: t["name"] for t in self.tags}
            row["project_name"] = project["name"] if project else None
            row["client_name"] = client["name"] if client else None
            row["tags"] = [names.get(tid, str(tid)) for tid in row["tag_ids"]]
        return row
