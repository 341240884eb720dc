"""Harvest: the credential check and time entries from API v2, paged by `links.next`.

Entries with started_time/ended_time keep those clock times (in the importing user's time
zone). Entries without them are duration entries on their spent_date: they start at 12:00,
as the guide says, unless they last more than 12 hours, in which case they start early
enough to end at midnight, so no entry slides into the next day.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import requests

from timeport.sources.remote import (
    USER_AGENT,
    SourceEntry,
    SourceRejected,
    raise_for_common_status,
    send,
)

NAME = "Harvest"
PER_PAGE = 2000
NOON = time(12, 0)


@dataclass
class HarvestPage:
    entries: list[SourceEntry]
    skipped: int
    next_url: str | None


class HarvestClient:
    def __init__(self, token: str, account_id: str, base_url: str, session=None):
        self._base = base_url.rstrip("/")
        self._account = account_id
        self._session = session or requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Harvest-Account-Id": str(account_id),
                "User-Agent": USER_AGENT,
            }
        )

    def _get(self, url: str, **kwargs) -> requests.Response:
        response = send(self._session, "GET", url, NAME, **kwargs)
        # Harvest answers 401 for a token of another account, too.
        raise_for_common_status(response, NAME, "the token and the account id")
        return response

    def check_credentials(self) -> None:
        self._get(self._base + "/v2/users/me")

    def first_page_url(self, start_date: str, end_date: str) -> str:
        query = urlencode({"from": start_date, "to": end_date, "per_page": PER_PAGE})
        return f"{self._base}/v2/time_entries?{query}"

    def page(self, url: str, timezone: str) -> HarvestPage:
        # links.next is followed verbatim, but only on Harvest's own host: the token goes along.
        if not url.startswith(self._base + "/"):
            raise SourceRejected(
                "Harvest returned a next-page link to another host; import stopped"
            )
        body = self._get(url).json()
        entries, skipped = to_entries(
            body.get("time_entries") or [], self._account, ZoneInfo(timezone)
        )
        return HarvestPage(entries, skipped, (body.get("links") or {}).get("next"))


def _clock(value: str) -> time:
    """Harvest's 12-hour clock times such as '9:00am' or '12:15pm'."""
    return datetime.strptime(value.strip().lower(), "%I:%M%p").time()


def to_entries(items: list[dict], account_id: str, zone: ZoneInfo) -> tuple[list[SourceEntry], int]:
    entries: list[SourceEntry] = []
    skipped = 0
    for item in items:
        if item.get("is_running"):
            skipped += 1
            continue
        day = date.fromisoformat(item["spent_date"])

        def at(clock: time, on: date = day) -> datetime:
            return datetime.combine(on, clock, zone).astimezone(UTC)

        if item.get("started_time") and item.get("ended_time"):
            start, end = at(_clock(item["started_time"])), at(_clock(item["ended_time"]))
            if end < start:
                end += timedelta(days=1)
        else:
            length = timedelta(seconds=round(float(item.get("hours") or 0) * 3600))
            start = max(at(time(0)), min(at(NOON), at(time(0), day + timedelta(days=1)) - length))
            end = start + length
        entries.append(
            SourceEntry(
                source="harvest",
                source_id=f"{account_id}-{item['id']}",
                start=start,
                end=end,
                project_name=(item.get("project") or {}).get("name"),
                client_name=(item.get("client") or {}).get("name"),
                task_name=(item.get("task") or {}).get("name"),
                notes=item.get("notes") or None,
                billable=bool(item.get("billable")),
            )
        )
    return entries, skipped
