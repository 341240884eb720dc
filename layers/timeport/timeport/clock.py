"""The app's own clock. Expiry is decided here, never by S3 or DynamoDB deleting things late."""

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def utc_now() -> datetime:
    return datetime.now(UTC) + _offset


def set_offset(offset: timedelta) -> None:
    """Run the clock `offset` ahead of real time.

    Only the local stack calls this (its POST /_local/clock), so that tests see expiry without
    waiting days; no setting or environment variable reaches it in Lambda.
    """
    global _offset
    _offset = offset


def offset() -> timedelta:
    return _offset


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z suffix and whole seconds, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
