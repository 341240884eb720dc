"""One worker run in a process of its own, so that its peak memory is its own.

The parent (tests/benchmarks/stack.py) holds moto's server; this process holds only what a
Lambda instance of the worker would: the shared package, boto3 clients and the rows in flight.
It prints one JSON line: seconds, CPU seconds, peak RSS, RSS after imports, and the AWS
requests it sent.

Requests are counted with a botocore event hook: every client botocore creates in this process
(boto3's S3 client and each of pynamodb's DynamoDB clients) gets a `before-send` handler, which
botocore calls once per HTTP request it is about to send, retries included.

With `--fake-entries N` the same hook answers the time-entry traffic itself instead of sending
it to moto: BatchWriteItem is acknowledged and dropped, and a Query of the EntriesByStart index
is answered with N generated entries in 1 MB pages. Everything else (job, user, catalog, S3)
still goes to moto. The worker's code, its request building and its response parsing all run
as they would; only moto's storage of entries is left out, because moto 5.2.5 keeps a million
items slowly and re-sorts a whole partition for every page of a Query.
"""

import json
import sys
import time
from collections import Counter

import botocore.session
from botocore.awsrequest import AWSResponse

REQUESTS: Counter = Counter()
ENTRIES_INDEX = "EntriesByStart"
PAGE_BYTES = 1024 * 1024
_create_client = botocore.session.Session.create_client


class _Body:
    """The raw body botocore reads a response from."""

    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_):
        yield self._data

    def read(self, *_) -> bytes:
        return self._data


class EntriesFake:
    """Answers the time-entry requests of one worker (see the module docstring)."""

    def __init__(self, user_id: str, entries: int):
        self.entries = entries
        self._template = _entry_item(user_id)
        self._per_page = max(1, PAGE_BYTES // len(json.dumps(self._template)))

    def answer(self, operation: str, body: bytes) -> dict | None:
        if operation == "BatchWriteItem":
            return {"UnprocessedItems": {}}
        if operation == "Query":
            request = json.loads(body)
            if request.get("IndexName") == ENTRIES_INDEX:
                return self._page(request.get("ExclusiveStartKey"))
        return None

    def _page(self, start_key: dict | None) -> dict:
        first = int(start_key["sk"]["S"].rsplit("r", 1)[1]) + 1 if start_key else 0
        last = min(self.entries, first + self._per_page)
        items = [self._item(index) for index in range(first, last)]
        page = {"Items": items, "Count": len(items), "ScannedCount": len(items)}
        if last < self.entries:
            last_item = items[-1]
            page["LastEvaluatedKey"] = {k: last_item[k] for k in ("pk", "sk", "start_key")}
        return page

    def _item(self, index: int) -> dict:
        entry_id = f"imp_bench-r{index:07d}"
        start = f"{2016 + index // 200_000}-01-01T00:00:00Z#{entry_id}"
        return {
            **self._template,
            "sk": {"S": f"ENTRY#{entry_id}"},
            "entry_id": {"S": entry_id},
            "start_key": {"S": start},
        }


def _entry_item(user_id: str) -> dict:
    """One stored entry as DynamoDB holds it, made by the model itself so its shape is real."""
    from timeport.clock import utc_now
    from timeport.storage.models import TimeEntryRecord, user_pk

    now = utc_now()
    record = TimeEntryRecord(
        user_pk(user_id),
        "ENTRY#imp_bench-r0000000",
        start_key="",
        entry_id="imp_bench-r0000000",
        user_id=user_id,
        project_id="01bench0project0000000000",
        project_name="Project A",
        client_id="01bench0client00000000000",
        client_name="Bakery",
        task_id="01bench0task0000000000000",
        task_name="Design",
        start_time=now,
        end_time=now,
        duration_seconds=5400,
        notes="Menu page, second draft",
        tags=["design", "ui"],
        billable=True,
        source="csv",
        import_id="imp_bench",
        created_at=now,
    )
    return {"pk": {"S": record.pk}, "sk": {"S": record.sk}, **record.serialize()}


def install_hooks(fake: EntriesFake | None) -> None:
    def before_send(event_name: str, request, **_):
        # The event is named before-send.<service>.<operation>.
        _, service, operation = event_name.split(".", 2)
        REQUESTS[f"{service}.{operation}"] += 1
        if fake is None or service != "dynamodb":
            return None
        answer = fake.answer(operation, request.body)
        if answer is None:
            return None
        return AWSResponse(request.url, 200, {}, _Body(json.dumps(answer).encode()))

    def counting_client(self, *args, **kwargs):
        client = _create_client(self, *args, **kwargs)
        client.meta.events.register("before-send", before_send)
        return client

    botocore.session.Session.create_client = counting_client


def peak_rss_mb() -> float:
    """The high-water resident memory of this process image. Not getrusage: on Linux its
    ru_maxrss survives fork and exec, so a child would report the parent's (moto's) peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("/proc/self/status has no VmHWM line")


def main(argv: list[str]) -> None:
    kind, user_id, job_id = argv[1:4]
    entries = int(argv[argv.index("--fake-entries") + 1]) if "--fake-entries" in argv else None
    install_hooks(EntriesFake(user_id, entries) if entries is not None else None)
    if kind == "csv":
        from timeport.jobs.csv_import import import_csv_object
        from timeport.storage.files import csv_upload_key

        def work() -> str:
            return import_csv_object(user_id, job_id, csv_upload_key(user_id, job_id))

    else:
        from timeport.jobs.export_runner import run_export

        def work() -> str:
            return run_export(user_id, job_id)

    rss_after_imports = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome = work()
    report = {
        "outcome": outcome,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_imports_mb": rss_after_imports,
        "requests": dict(REQUESTS),
    }
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main(sys.argv)
