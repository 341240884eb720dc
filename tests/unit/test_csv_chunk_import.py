"""A big CSV imported in parts against moto: the same rows, counts and errors as one worker
gives, retried parts counted once, and a part that finally fails named in the job."""

import dataclasses
import json

import pytest

from tests.unit.test_csv_import_job import HEADER, make_caller
from timeport.domain.entries import list_entries
from timeport.jobs import csv_chunks, csv_import
from timeport.jobs.csv_uploads import accept_csv_file
from timeport.jobs.imports import import_status
from timeport.settings import get_settings

SMALL_PARTS = {"csv_chunk_threshold_bytes": 1_000, "csv_chunk_bytes": 700}


class RecordingStepFunctions:
    """Stands in for the Step Functions client: keeps what the worker asked to start."""

    class exceptions:  # noqa: N801 - the shape of a botocore client
        ExecutionAlreadyExists = type("ExecutionAlreadyExists", (Exception,), {})

    def __init__(self):
        self.started: list[dict] = []

    def start_execution(self, stateMachineArn, name, input):  # noqa: N803, A002
        if any(started["name"] == name for started in self.started):
            raise self.exceptions.ExecutionAlreadyExists(name)
        self.started.append({"name": name, "input": json.loads(input)})


def file_with_bad_rows(count: int) -> str:
    lines = []
    for i in range(count):
        if i % 9 == 4:
            lines.append(f"Website,Bakery,,someday {i},1,,\n")
        else:
            lines.append(f'Website,Bakery,Design,2024-03-01 09:00:00,1.5,"two\nlines {i}",a\n')
    return HEADER + "".join(lines)


@pytest.fixture
def small_parts(monkeypatch):
    settings = dataclasses.replace(get_settings(), **SMALL_PARTS)
    monkeypatch.setattr(csv_import, "get_settings", lambda: settings)


def upload_and_plan(caller, content: str, aws, sfn) -> tuple[str, list[int]]:
    job = accept_csv_file(caller, "big.csv", content.encode("utf-8"), aws)
    outcome = csv_import.import_csv_object(caller.user_id, job.job_id, job.s3_key, aws, sfn)
    assert outcome == "chunked"
    return job.job_id, sfn.started[-1]["input"]["chunks"]


def single_worker_status(content: str, aws, monkeypatch) -> dict:
    caller = make_caller("solo")
    job = accept_csv_file(caller, "big.csv", content.encode("utf-8"), aws)
    with monkeypatch.context() as default_settings:
        default_settings.setattr(csv_import, "get_settings", get_settings)
        csv_import.import_csv_object(caller.user_id, job.job_id, job.s3_key, aws)
    return import_status(caller, job.job_id)


def comparable(status: dict) -> tuple:
    return (
        status["status"],
        status["total_records"],
        status["successful_records"],
        status["failed_records"],
        status["errors"],
        status["errors_omitted"],
    )


def test_parts_give_the_rows_counts_and_errors_of_one_worker(aws, small_parts, monkeypatch):
    content = file_with_bad_rows(60)
    caller, sfn = make_caller(), RecordingStepFunctions()

    import_id, chunks = upload_and_plan(caller, content, aws, sfn)
    for index in chunks:
        csv_chunks.import_chunk(caller.user_id, import_id, index, aws)
    csv_chunks.finish_chunked_import(caller.user_id, import_id)

    assert len(chunks) > 3
    status = import_status(caller, import_id)
    assert comparable(status) == comparable(single_worker_status(content, aws, monkeypatch))
    assert [error["row"] for error in status["errors"]] == [6, 15, 24, 33, 42, 51, 60]
    assert len(list(list_entries(caller.user_id))) == 53


def test_the_job_counts_up_while_parts_run(aws, small_parts):
    caller, sfn = make_caller(), RecordingStepFunctions()
    import_id, chunks = upload_and_plan(caller, file_with_bad_rows(60), aws, sfn)

    csv_chunks.import_chunk(caller.user_id, import_id, chunks[0], aws)

    status = import_status(caller, import_id)
    assert status["status"] == "processing"
    assert 0 < status["total_records"] < 60


def test_a_retried_part_does_not_count_its_rows_twice(aws, small_parts, monkeypatch):
    monkeypatch.setattr(csv_import, "PROGRESS_EVERY_ROWS", 3)
    caller, sfn = make_caller(), RecordingStepFunctions()
    import_id, chunks = upload_and_plan(caller, file_with_bad_rows(60), aws, sfn)
    original_save = csv_chunks.ChunkProgress.save
    saves = {"count": 0}

    def save_then_die(self, *args, **kwargs):
        saves["count"] += 1
        original_save(self, *args, **kwargs)
        if saves["count"] == 2:
            raise ConnectionError("part lost")

    monkeypatch.setattr(csv_chunks.ChunkProgress, "save", save_then_die)
    with pytest.raises(ConnectionError):
        csv_chunks.import_chunk(caller.user_id, import_id, chunks[1], aws)
    counted_before_retry = import_status(caller, import_id)["total_records"]
    for index in chunks:
        csv_chunks.import_chunk(caller.user_id, import_id, index, aws)
    live = import_status(caller, import_id)
    csv_chunks.finish_chunked_import(caller.user_id, import_id)

    assert counted_before_retry == 6
    assert (live["total_records"], live["successful_records"], live["failed_records"]) == (
        60,
        53,
        7,
    )
    final = import_status(caller, import_id)
    assert (final["status"], final["total_records"], final["successful_records"]) == (
        "partial",
        60,
        53,
    )
    assert len(list(list_entries(caller.user_id))) == 53


def test_a_redelivered_upload_event_neither_cuts_again_nor_starts_a_second_run(aws, small_parts):
    caller, sfn = make_caller(), RecordingStepFunctions()
    import_id, _ = upload_and_plan(caller, file_with_bad_rows(60), aws, sfn)
    key = f"uploads/csv/{caller.user_id}/{import_id}.csv"

    outcome = csv_import.import_csv_object(caller.user_id, import_id, key, aws, sfn)

    assert outcome == "skipped"
    assert len(sfn.started) == 1


def test_a_part_that_finally_fails_fails_the_job_naming_its_rows(aws, small_parts, monkeypatch):
    monkeypatch.setattr(csv_import, "PROGRESS_EVERY_ROWS", 3)
    caller, sfn = make_caller(), RecordingStepFunctions()
    import_id, chunks = upload_and_plan(caller, file_with_bad_rows(60), aws, sfn)
    original_save = csv_chunks.ChunkProgress.save

    def die_in_the_second_part(self, *args, **kwargs):
        original_save(self, *args, **kwargs)
        if self.record.index == 1 and kwargs.get("status") is None:
            raise ConnectionError("part lost")

    monkeypatch.setattr(csv_chunks.ChunkProgress, "save", die_in_the_second_part)
    for index in chunks:
        try:
            csv_chunks.import_chunk(caller.user_id, import_id, index, aws)
        except ConnectionError:
            continue
    csv_chunks.finish_chunked_import(caller.user_id, import_id)

    status = import_status(caller, import_id)
    stored = len(list(list_entries(caller.user_id)))
    assert status["status"] == "failed"
    assert status["successful_records"] == stored
    assert stored < 53
    assert status["error_message"].startswith(
        "Part of the file could not be imported after several attempts: rows "
    )
    assert import_id in status["error_message"]


def test_a_file_below_the_threshold_takes_the_single_worker_path(aws):
    caller, sfn = make_caller(), RecordingStepFunctions()
    job = accept_csv_file(caller, "small.csv", file_with_bad_rows(10).encode(), aws)

    outcome = csv_import.import_csv_object(caller.user_id, job.job_id, job.s3_key, aws, sfn)

    assert (outcome, sfn.started) == ("partial", [])
