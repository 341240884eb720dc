"""The CSV import worker against moto: counts, idempotence, crash and resume, shared names."""

import threading
from datetime import timedelta

import pytest

from timeport.clock import utc_now
from timeport.domain.catalog import list_clients, list_projects, list_tasks
from timeport.domain.entries import list_entries
from timeport.domain.users import Caller, create_user
from timeport.jobs import csv_import, records
from timeport.jobs.csv_uploads import accept_csv_file, start_csv_upload
from timeport.jobs.imports import import_status
from timeport.jobs.records import ImportProgress
from timeport.storage.files import parse_csv_upload_key

HEADER = "project_name,client_name,task_name,start_time,duration_hours,notes,tags\n"


def make_caller(name: str = "robin", timezone: str = "UTC") -> Caller:
    user = create_user(name, f"{name}@example.com", "user", timezone)
    return Caller(user.user_id, name, "user", timezone)


def run_import(caller: Caller, content: str, s3) -> str:
    job = accept_csv_file(caller, "hours.csv", content.encode("utf-8"), s3)
    user_id, import_id = parse_csv_upload_key(job.s3_key)
    csv_import.import_csv_object(user_id, import_id, job.s3_key, s3)
    return job.job_id


def rows(count: int, project: str = "Website") -> str:
    return "".join(
        f"{project},Bakery,Design,2024-03-{1 + i % 28:02d} 09:00:00,1.5,note {i},a;b\n"
        for i in range(count)
    )


def test_a_file_with_bad_rows_ends_partial_with_exact_counts(aws):
    caller = make_caller()
    content = HEADER + rows(3) + "Website,,,yesterday,1,,\n" + rows(2)

    import_id = run_import(caller, content, aws)

    status = import_status(caller, import_id)
    assert (status["status"], status["total_records"]) == ("partial", 6)
    assert (status["successful_records"], status["failed_records"]) == (5, 1)
    assert [(e["row"], e["column"], e["value"]) for e in status["errors"]] == [
        (5, "start_time", "yesterday")
    ]
    entries = list(list_entries(caller.user_id))
    assert len(entries) == 5
    assert {(e.source, e.import_id, e.duration_seconds) for e in entries} == {
        ("csv", import_id, 5400)
    }
    assert [p.name for p in list_projects(caller.user_id)] == ["Website"]
    assert [c.name for c in list_clients(caller.user_id)] == ["Bakery"]
    assert [t.name for t in list_tasks(caller.user_id)] == ["Design"]


def test_a_redelivered_event_imports_nothing_twice(aws):
    caller = make_caller()
    import_id = run_import(caller, HEADER + rows(4), aws)
    key = f"uploads/csv/{caller.user_id}/{import_id}.csv"

    outcome = csv_import.import_csv_object(caller.user_id, import_id, key, aws)

    assert outcome == "skipped"
    assert len(list(list_entries(caller.user_id))) == 4
    assert import_status(caller, import_id)["successful_records"] == 4


def test_a_worker_that_dies_midway_is_resumed_by_the_retry_with_every_row_once(aws, monkeypatch):
    caller = make_caller()
    monkeypatch.setattr(csv_import, "PROGRESS_EVERY_ROWS", 10)
    original_save = ImportProgress.save
    calls = {"count": 0}

    def save_then_die(self, *args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 3:
            raise ConnectionError("worker lost")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(ImportProgress, "save", save_then_die)
    job = accept_csv_file(caller, "hours.csv", (HEADER + rows(45)).encode(), aws)

    with pytest.raises(ConnectionError):
        csv_import.import_csv_object(caller.user_id, job.job_id, job.s3_key, aws)
    assert len(list(list_entries(caller.user_id))) == 30
    assert import_status(caller, job.job_id)["status"] == "processing"

    outcome = csv_import.import_csv_object(caller.user_id, job.job_id, job.s3_key, aws)

    assert outcome == "completed"
    assert len(list(list_entries(caller.user_id))) == 45
    status = import_status(caller, job.job_id)
    assert (status["total_records"], status["successful_records"]) == (45, 45)


def test_a_bad_header_fails_the_job_before_anything_is_written(aws):
    caller = make_caller()

    import_id = run_import(caller, "name,start\nWebsite,2024-01-01\n", aws)

    status = import_status(caller, import_id)
    assert status["status"] == "failed"
    assert status["error_message"].startswith(
        "The header lacks the required column(s) project_name, start_time;"
    )
    assert list(list_entries(caller.user_id)) == []
    assert list(list_projects(caller.user_id)) == []


def test_a_header_only_file_fails_saying_it_has_no_rows(aws):
    caller = make_caller()

    import_id = run_import(caller, HEADER, aws)

    status = import_status(caller, import_id)
    assert (status["status"], status["error_message"]) == (
        "failed",
        "The file has a header row but no data rows",
    )


def test_two_imports_at_once_create_each_client_project_and_task_once(aws):
    caller = make_caller()
    jobs = [
        accept_csv_file(caller, f"f{i}.csv", (HEADER + rows(30)).encode(), aws) for i in range(4)
    ]
    threads = [
        threading.Thread(
            target=csv_import.import_csv_object, args=(caller.user_id, job.job_id, job.s3_key, aws)
        )
        for job in jobs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(list(list_entries(caller.user_id))) == 120
    assert len(list(list_projects(caller.user_id))) == 1
    assert len(list(list_clients(caller.user_id))) == 1
    assert len(list(list_tasks(caller.user_id))) == 1


def test_an_upload_url_never_used_shows_as_failed_once_it_has_expired(aws, monkeypatch):
    caller = make_caller()
    started = start_csv_upload(caller, "later.csv", aws)
    assert import_status(caller, started["import_id"])["status"] == "pending"

    later = utc_now() + timedelta(seconds=900) + records.UPLOAD_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(records, "utc_now", lambda: later)

    status = import_status(caller, started["import_id"])
    assert (status["status"], status["error_message"]) == (
        "failed",
        "No file was uploaded before the upload URL expired; ask for a new one",
    )
