"""What the Toggl and Harvest clients share: how an HTTP answer becomes data or a typed error.

The import's state machine acts on the error's type: a wait is slept in a Wait state, an
unavailable source is retried with backoff, a rejection fails the job with its message.
Messages never hold the token or the request's headers.
"""

from dataclasses import dataclass, field
from datetime import datetime

import requests

TIMEOUT_SECONDS = (10, 60)
USER_AGENT = "Timeport import (support@timeport.example)"
DEFAULT_BACKOFF_SECONDS = 30


class SourceError(Exception):
    """Base class; `message` is safe to show to the person who started the import."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SourceUnavailable(SourceError):
    """5xx, a dropped connection or a timeout: worth retrying later."""


class SourceRejected(SourceError):
    """An answer that retrying will not change: bad credentials, a plan without the feature."""


class SourceBusy(SourceError):
    """The source asks us to wait `wait_seconds` (rate limit or used-up quota)."""

    def __init__(self, message: str, wait_seconds: int):
        super().__init__(message)
        self.wait_seconds = wait_seconds


@dataclass(slots=True)
class SourceEntry:
    """One finished time entry as a source describes it, times in UTC."""

    source: str
    source_id: str
    start: datetime
    end: datetime
    project_name: str | None
    client_name: str | None
    task_name: str | None
    notes: str | None
    billable: bool
    tags: list[str] = field(default_factory=list)


def send(session: requests.Session, method: str, url: str, source_name: str, **kwargs):
    """Send one request; connection trouble becomes SourceUnavailable."""
    try:
        return session.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    except requests.RequestException as error:
        raise SourceUnavailable(
            f"{source_name} could not be reached ({type(error).__name__})"
        ) from error


def retry_after_seconds(response: requests.Response) -> int:
    value = response.headers.get("Retry-After", "")
    return max(1, int(value)) if value.isdigit() else DEFAULT_BACKOFF_SECONDS


def raise_for_common_status(
    response: requests.Response, source_name: str, credentials: str = "the token"
) -> None:
    """Raise the error an answer other than success means; `credentials` names what a 401 or
    403 asks the person to check."""
    status = response.status_code
    if status == 429:
        wait = retry_after_seconds(response)
        raise SourceBusy(f"{source_name} rate limit: waiting {wait} s", wait)
    if status >= 500:
        raise SourceUnavailable(f"{source_name} answered {status}")
    if status in (401, 403):
        raise SourceRejected(
            f"{source_name} refused the credentials (HTTP {status}); check {credentials}"
        )
    if status >= 400:
        raise SourceRejected(f"{source_name} refused the request (HTTP {status})")
