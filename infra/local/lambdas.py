"""Run the template's Lambda functions in this process, and make moto hand invokes to them.

moto's Lambda needs Docker to run code, so the local stack replaces two moto internals:

* `LambdaFunction.invoke`: what boto3 `lambda.invoke` (and Step Functions) reach;
* `moto.s3.notifications._invoke_awslambda`: what an S3 ObjectCreated notification reaches.

Both now call the real handler in-process. This is the seam DESIGN.md asks for; moto is
pinned in pyproject.toml and tests/unit/test_local_seam.py fails loudly if either target moves.
"""

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import boto3
import moto.awslambda.models as moto_lambda
import moto.s3.notifications as moto_s3_notifications

from infra.local.template import ACCOUNT_ID, REGION, Function

ASYNC_RETRY_DELAYS_SECONDS = (1, 2)
"""Lambda retries a failed asynchronous invoke twice (after about 1 and 2 minutes); locally
the delays are seconds so that a test sees the retries. After the last one the event goes to
the function's dead-letter queue, where the template gives it one."""


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str
    function_version: str = "$LATEST"
    started: float = 0.0

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


class LocalLambdaRuntime:
    """Holds one loaded handler per function and invokes it synchronously or in the background."""

    def __init__(
        self,
        functions: dict[str, Function],
        resolver_functions: set[str],
        workers: int = 4,
        sqs=None,
    ):
        self._functions = functions
        self._sqs = sqs or boto3.client("sqs", region_name=REGION)
        self._handlers = {name: _load_handler(function) for name, function in functions.items()}
        # Powertools keeps the current request on a class attribute, so two HTTP handlers
        # must never resolve at the same time in one process.
        self._resolver_lock = threading.Lock()
        self._resolver_functions = resolver_functions
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-async")
        self.failures: list[tuple[str, str]] = []

    def invoke(self, name: str, event: dict):
        function = self._functions[name]
        context = LambdaContext(
            function_name=name,
            memory_limit_in_mb=function.memory,
            timeout_seconds=function.timeout,
            aws_request_id=str(uuid.uuid4()),
            started=time.monotonic(),
        )
        if name in self._resolver_functions:
            with self._resolver_lock:
                return self._handlers[name](event, context)
        return self._handlers[name](event, context)

    def invoke_async(self, name: str, event: dict) -> None:
        self._executor.submit(self._run_with_retries, name, event)

    def _run_with_retries(self, name: str, event: dict) -> None:
        for delay in (*ASYNC_RETRY_DELAYS_SECONDS, None):
            try:
                self.invoke(name, event)
                return
            except Exception as error:  # an async invoke's failure is only seen by its retries
                self.failures.append((name, type(error).__name__))
                if delay is None:
                    self._send_to_dead_letter_queue(name, event, error)
                    return
                time.sleep(delay)

    def _send_to_dead_letter_queue(self, name: str, event: dict, error: Exception) -> None:
        """The event as Lambda puts it on a dead-letter queue: the body unchanged, the error in
        message attributes."""
        queue = self._functions[name].dead_letter_queue
        if queue is None:
            return
        self._sqs.send_message(
            QueueUrl=self._sqs.get_queue_url(QueueName=queue)["QueueUrl"],
            MessageBody=json.dumps(event),
            MessageAttributes={
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                "ErrorMessage": {"DataType": "String", "StringValue": type(error).__name__},
            },
        )

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def patch_moto(self) -> None:
        runtime = self

        def invoke(function: moto_lambda.LambdaFunction, body, request_headers, response_headers):
            event = json.loads(body) if body else {}
            invocation_type = (request_headers or {}).get(
                "x-amz-invocation-type", "RequestResponse"
            )
            if invocation_type == "Event":
                runtime.invoke_async(function.function_name, event)
                return b""
            try:
                result = runtime.invoke(function.function_name, event)
            except Exception as error:  # reported to the caller the way Lambda reports it
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps(
                    {"errorType": type(error).__name__, "errorMessage": str(error)}
                ).encode()
            return json.dumps(result).encode()

        def invoke_from_s3(account_id, event_body, fn_arn, region_name):
            runtime.invoke_async(fn_arn.rsplit(":", 1)[-1], event_body)

        moto_lambda.LambdaFunction.invoke = invoke
        moto_s3_notifications._invoke_awslambda = invoke_from_s3


def _load_handler(function: Function):
    return getattr(function.load_module(), function.handler.rsplit(".", 1)[1])
