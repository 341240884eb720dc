"""Batch writes that lose nothing when DynamoDB is busy.

BatchWriteItem may accept only part of a batch (UnprocessedItems) when a partition is hot.
pynamodb resends those at once, a few times, then gives up; this writer resends them with
exponential backoff and full jitter, as AWS recommends, and fails loudly only after that.
"""

import random
import time

from pynamodb.models import Model

from timeport.storage.clients import aws_client

BATCH_SIZE = 25
MAX_ATTEMPTS = 10
BASE_DELAY_SECONDS = 0.05
MAX_DELAY_SECONDS = 5.0


class UnprocessedItemsError(Exception):
    """DynamoDB kept refusing part of a batch after every retry."""


class BatchWriter:
    """Collects pynamodb items and puts them 25 at a time. Use as a context manager: leaving
    the block writes what is pending (unless the block raised)."""

    def __init__(self, model: type[Model], client=None, sleep=time.sleep):
        self._table = model.Meta.table_name
        self._client = client or aws_client("dynamodb")
        self._sleep = sleep
        self._pending: list[dict] = []
        self.requests = 0

    def save(self, item: Model) -> None:
        self._pending.append({"PutRequest": {"Item": item.serialize()}})
        if len(self._pending) >= BATCH_SIZE:
            self.commit()

    def commit(self) -> None:
        requests, self._pending = self._pending, []
        attempt = 0
        while requests:
            self.requests += 1
            response = self._client.batch_write_item(RequestItems={self._table: requests})
            requests = response.get("UnprocessedItems", {}).get(self._table, [])
            if not requests:
                return
            attempt += 1
            if attempt >= MAX_ATTEMPTS:
                raise UnprocessedItemsError(
                    f"DynamoDB left {len(requests)} item(s) unwritten after {attempt} attempts"
                )
            self._sleep(random.uniform(0, min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2**attempt)))

    def __enter__(self) -> "BatchWriter":
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:
            self.commit()
