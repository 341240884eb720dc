"""A fake Harvest API v2 server: the current user and the time-entry list with cursor paging.

What it imitates (help.getharvest.com/api-v2: overview, authentication, pagination,
time entries; samples in tests/samples/harvest_time_entries_page*.json):

* Every request needs ``Authorization: Bearer <token>``, ``Harvest-Account-Id: <id>`` and a
  ``User-Agent`` header. No User-Agent gets 400; a wrong token or account id gets 401 with the
  OAuth-style body ``{"error": "invalid_token", "error_description": ...}``.
* ``GET /v2/users/me``: the token owner's user object.
* ``GET /v2/time_entries``: ``from``/``to`` filter ``spent_date`` inclusively; ``per_page``
  1..2000 (default 2000, out of range gets 422); ``page=N`` or ``cursor=...``. The answer has
  ``time_entries``, ``per_page``, ``total_pages``, ``total_entries``, ``next_page``,
  ``previous_page``, ``page`` and ``links`` {first, next, previous, last}. ``links.next`` and
  ``links.previous`` are cursor URLs on the fake's own base URL (``cursor`` is base64url of
  ``{"after": {"id": N}}`` or ``{"before": {"id": N}}``, ``ref=next_cursor`` /
  ``previous_cursor``), carrying the original query; ``first``/``last`` use ``page=``. The last
  page has ``links.next`` null. As documented for cursor paging, ``page``, ``next_page`` and
  ``previous_page`` are null on pages fetched by cursor other than the first and the last.
  Entries are listed in (spent_date, id) order, like the samples.
* Rate limiting as documented: a scripted "429" answers 429 with ``Retry-After: <seconds>``.

Fault kinds for ``script()``: "429" (``retry_after``, default 1), "500", "drop" and "stall"
(``seconds``).

Left out: OAuth2 flows and the ``access_token``/``account_id`` query-string alternative, every
endpoint but the two above, every write, filters other than from/to (user_id, client_id,
project_id, task_id, is_billed, is_running, updated_since), real rate counting (100 requests
per 15 s), and the exact wording of Harvest's 400/404/422/429/500 bodies (unverified guesses).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
import random
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from ._base import FakeServer, Route, json_response

DEFAULT_TOKEN = "harvest-fake-token-0123456789abcdef"
DEFAULT_ACCOUNT_ID = 1234567
PER_PAGE_MAX = 2000

DEFAULT_USER = {
    "id": 4100001,
    "first_name": "Robin",
    "last_name": "Sample",
    "email": "robin.sample@example.com",
    "telephone": "",
    "timezone": "UTC",
    "has_access_to_all_future_projects": False,
    "is_contractor": False,
    "is_active": True,
    "weekly_capacity": 144000,
    "default_hourly_rate": 120.0,
    "cost_rate": 55.0,
    "roles": ["Developer"],
    "access_roles": ["administrator"],
    "avatar_url": None,
    "created_at": "2025-01-13T10:00:00Z",
    "updated_at": "2025-01-13T10:00:00Z",
}

INVALID_TOKEN_BODY = {
    "error": "invalid_token",
    "error_description": (
        "The access token provided is expired, revoked, malformed or invalid for other reasons."
    ),
}

# Fictional entities of tests/samples, compact: users (id, name, rate, cost rate, assignment).
_USERS = (
    (4100001, "Robin Sample", 120.0, 55.0, 2101),
    (4100002, "Sam Placeholder", 140.0, 90.0, 2102),
)
_CLIENTS = {
    8800001: ("Demo Bakery Co", "USD"),
    8800002: ("Sample Analytics GmbH", "EUR"),
    8800003: ("Placeholder Studio", "USD"),
}
# project id -> (name, code, client id, [(task id, task name, billable)])
_PROJECTS = {
    30500011: (
        "Website Relaunch",
        "WR",
        8800001,
        [(12000001, "Design", True), (12000002, "Programming", True)],
    ),
    30500012: (
        "Data Pipeline",
        "DP",
        8800002,
        [(12000002, "Programming", True), (12000003, "Project Management", True)],
    ),
    30500013: ("Internal", "INT", 8800003, [(12000004, "Admin", False)]),
}
_NOTES = (
    "Hero banner layout",
    "Menu page, mobile fixes",
    "Nightly import job",
    "Weekly sync call",
    'Fix "late arrival" records, part 2',
    "Schema migration",
    "Inbox and planning",
    "Payment webhook, retries",
    "",
    "Deploy notes:\nrolled back once",
)


def _clock(minute_of_day: int) -> str:
    """Harvest's time format: minutes after midnight -> '9:05am' (wraps past midnight)."""
    hour, minute = divmod(minute_of_day % (24 * 60), 60)
    return f"{hour % 12 or 12}:{minute:02d}{'am' if hour < 12 else 'pm'}"


def _encode_cursor(direction: str, entry_id: int) -> str:
    raw = json.dumps({direction: {"id": entry_id}}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    padded = cursor + "=" * (-len(cursor) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    ((direction, position),) = data.items()
    if direction not in {"after", "before"}:
        raise ValueError(direction)
    return direction, int(position["id"])


class FakeHarvest(FakeServer):
    """Fake Harvest API v2 (users/me and time_entries); see the module docstring.

    Args:
        token: the personal access token that authenticates (``Bearer``).
        account_id: the account the token belongs to (``Harvest-Account-Id``).
        entries: time entries in the v2 object shape (like the harvest samples).
        user: the ``/v2/users/me`` object; a fictional user by default.
        max_per_page: the largest accepted ``per_page`` (2000, as documented).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        account_id: int | str = DEFAULT_ACCOUNT_ID,
        entries: Iterable[Mapping[str, Any]] = (),
        *,
        user: Mapping[str, Any] | None = None,
        max_per_page: int = PER_PAGE_MAX,
    ) -> None:
        super().__init__()
        self.token = token
        self.account_id = str(account_id)
        self.entries: list[dict[str, Any]] = [copy.deepcopy(dict(e)) for e in entries]
        self.user = dict(user or DEFAULT_USER)
        self.max_per_page = max_per_page
        self.routes = [
            Route("GET", re.compile(r"/v2/users/me"), self._me, is_me=True),
            Route("GET", re.compile(r"/v2/time_entries"), self._time_entries),
        ]

    # -- data generation -------------------------------------------------------------------

    @staticmethod
    def generate_entries(
        count: int,
        start_date: date | str,
        days: int,
        seed: int = 0,
        *,
        first_id: int = 2_700_000_001,
    ) -> list[dict[str, Any]]:
        """Make `count` v2 time entries with spent_date within `days` days from `start_date`.

        Deterministic for a given seed; ids rise with (spent_date, user, start). Included, once
        there are enough entries: one running timer per user (their latest entry), entries
        tracked by duration only (no started_time/ended_time), one entry over 12 hours,
        invoiced and locked entries, notes with commas, quotes and a line break.
        """
        if count < 0 or days < 1:
            raise ValueError("count must be >= 0 and days >= 1")
        rng = random.Random(seed)
        first_day = date.fromisoformat(start_date) if isinstance(start_date, str) else start_date
        drafts = []
        for _ in range(count):
            spent = first_day + timedelta(days=rng.randrange(days))
            user = rng.choice(_USERS)
            project_id = rng.choice(sorted(_PROJECTS))
            task = rng.choice(_PROJECTS[project_id][3])
            minutes = rng.randint(1, 16) * 15 + rng.choice((0, 0, 1, 7, -4))
            begin = rng.randint(7 * 60, 17 * 60)
            drafts.append((spent.isoformat(), user[0], begin, user, project_id, task, minutes))
        drafts.sort(key=lambda draft: draft[:3])

        running = set()
        if count >= 4:
            for user_id, *_ in _USERS:
                mine = [i for i, draft in enumerate(drafts) if draft[1] == user_id]
                if mine:
                    running.add(mine[-1])
        long_one = next((i for i in range(count // 3, count) if i not in running), None)

        entries = []
        for index, (spent, _, begin, user, project_id, task, minutes) in enumerate(drafts):
            user_id, user_name, rate, cost, assignment = user
            name, code, client_id, _tasks = _PROJECTS[project_id]
            client_name, currency = _CLIENTS[client_id]
            task_id, task_name, billable = task
            timed = index % 4 != 2
            notes = _NOTES[(index * 7 + minutes) % len(_NOTES)]
            if index == long_one:
                minutes, timed, notes = 13 * 60 + 15, False, "Overnight migration, long shift"
            hours = round(minutes / 60, 2)
            invoiced = billable and index % 9 == 4 and index not in running
            ended = begin + minutes
            stamp = f"{spent}T{ended // 60 % 24:02d}:{ended % 60:02d}:05Z"
            entry: dict[str, Any] = {
                "id": first_id + index,
                "spent_date": spent,
                "user": {"id": user_id, "name": user_name},
                "client": {"id": client_id, "name": client_name, "currency": currency},
                "project": {"id": project_id, "name": name, "code": code},
                "task": {"id": task_id, "name": task_name},
                "user_assignment": {
                    "id": assignment * 100000 + project_id % 1000,
                    "is_project_manager": user_id == _USERS[0][0],
                    "is_active": True,
                    "budget": None,
                    "created_at": "2025-01-13T10:05:00Z",
                    "updated_at": "2025-01-13T10:05:00Z",
                    "hourly_rate": rate,
                },
                "task_assignment": {
                    "id": 330000000 + project_id % 1000 * 100 + task_id % 100,
                    "billable": billable,
                    "is_active": True,
                    "created_at": "2025-01-13T10:04:00Z",
                    "updated_at": "2025-01-13T10:04:00Z",
                    "hourly_rate": rate,
                    "budget": None,
                },
                "hours": hours,
                "hours_without_timer": hours,
                "rounded_hours": math.ceil(hours * 4 - 1e-9) / 4,
                "notes": notes,
                "created_at": stamp,
                "updated_at": stamp,
                "is_locked": invoiced,
                "locked_reason": (
                    "Item Invoiced and Approved and Locked for this Time Period"
                    if invoiced
                    else None
                ),
                "is_closed": invoiced,
                "is_billed": invoiced,
                "timer_started_at": None,
                "started_time": _clock(begin) if timed else None,
                "ended_time": _clock(ended) if timed else None,
                "is_running": False,
                "invoice": {"id": 51000000 + index, "number": f"2025-{index:03d}"}
                if invoiced
                else None,
                "external_reference": None,
                "billable": billable,
                "budgeted": billable,
                "billable_rate": rate if billable else None,
                "cost_rate": cost,
            }
            if index in running:
                started = f"{spent}T{begin // 60:02d}:{begin % 60:02d}:41Z"
                entry.update(
                    {
                        "hours_without_timer": 0.0,
                        "timer_started_at": started,
                        "ended_time": None,
                        "is_running": True,
                        "created_at": started,
                        "updated_at": started,
                    }
                )
            entries.append(entry)
        return entries

    # -- authentication and errors ---------------------------------------------------------

    def authenticate(self, request: Request) -> Response | None:
        if not request.headers.get("User-Agent", "").strip():
            return json_response(
                {"status": 400, "error": "Bad Request", "message": "User-Agent header is required"},
                400,
            )
        authorization = request.headers.get("Authorization", "")
        account = request.headers.get("Harvest-Account-Id", "")
        if authorization != f"Bearer {self.token}" or account.strip() != self.account_id:
            return json_response(
                INVALID_TOKEN_BODY,
                401,
                {"WWW-Authenticate": 'Bearer realm="Harvest", error="invalid_token"'},
            )
        return None

    def rate_limited_response(self, retry_after: int) -> Response:
        return json_response(
            {"status": 429, "error": "Too Many Requests"}, 429, {"Retry-After": str(retry_after)}
        )

    def error_response(self, status: int, request: Request) -> Response:
        texts = {404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}
        return json_response({"status": status, "error": texts.get(status, "Error")}, status)

    @staticmethod
    def _unprocessable(message: str) -> Response:
        return json_response({"message": message}, 422)

    # -- endpoints -------------------------------------------------------------------------

    def _me(self, request: Request) -> Response:
        return json_response(self.user)

    def _time_entries(self, request: Request) -> Response:
        args = request.args
        try:
            per_page = int(args.get("per_page", self.max_per_page))
        except ValueError:
            return self._unprocessable("per_page must be an integer")
        if not 1 <= per_page <= self.max_per_page:
            return self._unprocessable(f"per_page must be between 1 and {self.max_per_page}")
        try:
            low = date.fromisoformat(args["from"]) if args.get("from") else None
            high = date.fromisoformat(args["to"]) if args.get("to") else None
        except ValueError:
            return self._unprocessable("from and to must be dates (YYYY-MM-DD)")

        def key(entry: Mapping[str, Any]) -> tuple[str, int]:
            return (str(entry["spent_date"]), int(entry["id"]))

        listed = sorted(
            (
                e
                for e in list(self.entries)
                if (low is None or date.fromisoformat(e["spent_date"]) >= low)
                and (high is None or date.fromisoformat(e["spent_date"]) <= high)
            ),
            key=key,
        )
        total = len(listed)
        total_pages = max(1, math.ceil(total / per_page))

        by_cursor = bool(args.get("cursor"))
        if by_cursor:
            try:
                direction, anchor_id = _decode_cursor(args["cursor"])
            except (ValueError, TypeError, KeyError, binascii.Error):
                return self._unprocessable("Invalid cursor")
            anchor = next((e for e in self.entries if int(e["id"]) == anchor_id), None)
            if anchor is None:
                return self._unprocessable("Invalid cursor")
            if direction == "after":
                offset = sum(1 for e in listed if key(e) <= key(anchor))
                end = offset + per_page
            else:
                end = sum(1 for e in listed if key(e) < key(anchor))
                offset = max(0, end - per_page)
        else:
            try:
                page_number = int(args.get("page", 1))
            except ValueError:
                return self._unprocessable("page must be an integer")
            if page_number < 1:
                return self._unprocessable("page must be at least 1")
            offset = (page_number - 1) * per_page
            end = offset + per_page
        chunk = listed[offset:end]
        has_next = offset + len(chunk) < total
        has_previous = offset > 0

        if not by_cursor:
            page: int | None = page_number
            next_page = page_number + 1 if has_next else None
            previous_page = page_number - 1 if page_number > 1 else None
        elif offset == 0:
            page, next_page, previous_page = 1, (2 if has_next else None), None
        elif not has_next:
            page, next_page, previous_page = total_pages, None, total_pages - 1
        else:
            page, next_page, previous_page = None, None, None

        def link(**extra: Any) -> str:
            query = {k: v for k, v in args.items() if k not in {"page", "cursor", "ref"}}
            query["per_page"] = str(per_page)
            query.update({k: str(v) for k, v in extra.items()})
            return f"{self.base_url}/v2/time_entries?{urlencode(sorted(query.items()))}"

        links = {
            "first": link(page=1, ref="first"),
            "next": (
                link(cursor=_encode_cursor("after", chunk[-1]["id"]), ref="next_cursor")
                if has_next and chunk
                else None
            ),
            "previous": (
                link(cursor=_encode_cursor("before", chunk[0]["id"]), ref="previous_cursor")
                if has_previous and chunk
                else None
            ),
            "last": link(page=total_pages, ref="last"),
        }
        return json_response(
            {
                "time_entries": chunk,
                "per_page": per_page,
                "total_pages": total_pages,
                "total_entries": total,
                "next_page": next_page,
                "previous_page": previous_page,
                "page": page,
                "links": links,
            }
        )
