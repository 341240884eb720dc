"""Batch writes under throttling: what DynamoDB leaves unprocessed is resent until written."""

from datetime import UTC, datetime

import boto3
import pytest

from timeport.domain.entries import list_entries
from timeport.domain.users import create_user
from timeport.storage.batches import BatchWriter, UnprocessedItemsError
from timeport.storage.models import TimeEntryRecord


class ThrottlingClient:
    """Wraps a real (moto) client; the first `refusals` calls leave half the batch unprocessed."""

    def __init__(self, client, refusals: int):
        self._client = client
        self.refusals = refusals
        self.calls = 0

    def batch_write_item(self, RequestItems):
        self.calls += 1
        ((table, requests),) = RequestItems.items()
        if self.refusals:
            self.refusals -= 1
            kept, left = requests[: len(requests) // 2], requests[len(requests) // 2 :]
            if kept:
                self._client.batch_write_item(RequestItems={table: kept})
            return {"UnprocessedItems": {table: left}}
        return self._client.batch_write_item(RequestItems=RequestItems)


def entry(user_id: str, number: int) -> TimeEntryRecord:
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    return TimeEntryRecord(
        f"USER#{user_id}",
        f"ENTRY#e{number}",
        start_key=f"2024-01-01T09:00:00Z#e{number}",
        entry_id=f"e{number}",
        user_id=user_id,
        start_time=start,
        end_time=start,
        duration_seconds=0,
        source="csv",
        created_at=start,
    )


def test_items_left_unprocessed_by_throttling_are_written_after_backoff(aws):
    user = create_user("robin", "robin@example.com")
    client = ThrottlingClient(boto3.client("dynamodb", region_name="us-east-1"), refusals=4)
    delays: list[float] = []

    with BatchWriter(TimeEntryRecord, client=client, sleep=delays.append) as writer:
        for number in range(60):
            writer.save(entry(user.user_id, number))

    assert len(list(list_entries(user.user_id))) == 60
    assert len(delays) == 4
    assert all(0 <= delay <= 5 for delay in delays)


def test_a_batch_dynamodb_never_accepts_fails_loudly(aws):
    user = create_user("robin", "robin@example.com")
    client = ThrottlingClient(boto3.client("dynamodb", region_name="us-east-1"), refusals=100)

    writer = BatchWriter(TimeEntryRecord, client=client, sleep=lambda _: None)
    for number in range(24):
        writer.save(entry(user.user_id, number))

    with pytest.raises(UnprocessedItemsError, match="1 item\\(s\\) unwritten after 10 attempts"):
        writer.save(entry(user.user_id, 24))
