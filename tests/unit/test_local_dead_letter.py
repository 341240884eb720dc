"""The local stack's asynchronous invokes: retried twice, then kept on the dead-letter queue."""

import json
import time

import boto3
import pytest
from moto import mock_aws

from infra.local import lambdas
from infra.local.lambdas import LocalLambdaRuntime
from infra.local.template import REGION, Function

FAILING_HANDLER = "def handler(event, context):\n    raise ValueError('the worker gave up')\n"


@pytest.fixture
def sqs():
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def _runtime(tmp_path, sqs, dead_letter_queue: str | None) -> LocalLambdaRuntime:
    (tmp_path / "app.py").write_text(FAILING_HANDLER, encoding="utf-8")
    worker = Function("Worker", tmp_path, "app.handler", 900, 1024, {}, dead_letter_queue)
    return LocalLambdaRuntime({"Worker": worker}, set(), sqs=sqs)


def _after_three_failures(runtime: LocalLambdaRuntime) -> None:
    """Waits for the retries to run out (shutting down first would cancel the pending invoke)."""
    deadline = time.monotonic() + 10
    while len(runtime.failures) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    runtime.shutdown()


def test_an_event_that_fails_three_times_lands_on_the_dead_letter_queue(tmp_path, sqs, monkeypatch):
    monkeypatch.setattr(lambdas, "ASYNC_RETRY_DELAYS_SECONDS", (0, 0))
    queue_url = sqs.create_queue(QueueName="failed-invocations")["QueueUrl"]
    runtime = _runtime(tmp_path, sqs, "failed-invocations")

    runtime.invoke_async("Worker", {"import_id": "imp-1"})
    _after_three_failures(runtime)

    (message,) = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert runtime.failures == [("Worker", "ValueError")] * 3
    assert json.loads(message["Body"]) == {"import_id": "imp-1"}
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "ValueError"


def test_without_a_dead_letter_queue_the_event_is_dropped_after_its_retries(
    tmp_path, sqs, monkeypatch
):
    monkeypatch.setattr(lambdas, "ASYNC_RETRY_DELAYS_SECONDS", (0, 0))
    runtime = _runtime(tmp_path, sqs, None)

    runtime.invoke_async("Worker", {"import_id": "imp-2"})
    _after_three_failures(runtime)

    assert runtime.failures == [("Worker", "ValueError")] * 3
    assert sqs.list_queues().get("QueueUrls", []) == []
