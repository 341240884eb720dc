"""Backup and restore against moto: the file's format, validation before any write, the
pre-restore backup, replacing only the sections present, and the admin's access."""

import gzip
import json
import tracemalloc
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from infra.local.template import REGION
from tests.hostile_files import gzip_bomb
from timeport.domain.catalog import Catalog
from timeport.domain.entries import entry_from_source
from timeport.domain.users import Caller, caller_for_token, create_user
from timeport.errors import BadRequest, Conflict
from timeport.jobs import csv_import
from timeport.jobs import restore as restore_job
from timeport.jobs.backups import start_backup
from timeport.jobs.csv_uploads import accept_csv_file, start_csv_upload
from timeport.jobs.export_runner import run_export
from timeport.jobs.exports import export_status
from timeport.jobs.imports import import_status
from timeport.jobs.records import create_job, take_job
from timeport.jobs.restore import run_restore
from timeport.jobs.restore_uploads import accept_restore_file, start_restore
from timeport.settings import get_settings
from timeport.sources.remote import SourceEntry
from timeport.storage.files import object_etag, open_object
from timeport.storage.models import JobRecord, TimeEntryRecord

CSV = (
    "project_name,client_name,task_name,start_time,duration_hours,notes,tags\n"
    "Website,Bakery,Design,2024-03-01 09:00:00,1.5,first,a;b\n"
    "Website,Bakery,,2024-03-02 09:00:00,2,second,\n"
    "Shop,Florist,Build,2024-03-03 09:00:00,1,third,c\n"
)


def caller_of(user, role: str) -> Caller:
    return Caller(user.user_id, user.username, role, "UTC")


def stack_with_data(aws) -> tuple[Caller, Caller, str]:
    """An admin and a user with three imported entries; returns them and the admin's token."""
    admin_user = create_user("boss", "boss@example.com", "admin")
    robin = caller_of(create_user("robin", "robin@example.com"), "user")
    job = accept_csv_file(robin, "hours.csv", CSV.encode(), aws)
    csv_import.import_csv_object(robin.user_id, job.job_id, job.s3_key, aws)
    return caller_of(admin_user, "admin"), robin, admin_user.api_token


def backup(aws, admin: Caller) -> tuple[dict, bytes]:
    job = start_backup(admin, lambda payload: None)
    assert run_export(admin.user_id, job.job_id, aws) == "completed"
    status = export_status(admin, job.job_id)
    stored = JobRecord.get(admin.user_id, job.job_id)
    body = aws.get_object(Bucket=get_settings().bucket, Key=stored.s3_key)["Body"].read()
    return status, body


def lines(body: bytes) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(body).splitlines()]


def restore(aws, admin: Caller, content: bytes) -> dict:
    key = accept_restore_file(admin, content, aws)
    job = start_restore(admin, key, lambda payload: None, aws)
    run_restore(admin.user_id, job.job_id, aws)
    return import_status(admin, job.job_id)


def data_items() -> list[dict]:
    table = boto3.client("dynamodb", region_name=REGION)
    items = table.scan(TableName=get_settings().data_table)["Items"]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def gz(records: list[dict]) -> bytes:
    return gzip.compress("".join(json.dumps(record) + "\n" for record in records).encode(), mtime=0)


def test_a_backup_starts_with_a_header_of_exact_counts_and_holds_no_token(aws):
    admin, robin, token = stack_with_data(aws)

    status, body = backup(aws, admin)

    header, *records = lines(body)
    assert header["format"] == "timeport-backup"
    assert header["format_version"] == 1
    assert header["sections"] == {
        "users": 2,
        "clients": 2,
        "projects": 2,
        "tasks": 2,
        "time_entries": 3,
        "jobs": 1,
        "expenses": 0,
        "comments": 0,
        "settings": 0,
        "invoices": 0,
        "payments": 0,
    }
    assert [record["section"] for record in records] == (
        ["users"] * 2 + ["clients"] * 2 + ["projects"] * 2 + ["tasks"] * 2
        + ["time_entries"] * 3 + ["jobs"]
    )  # fmt: skip
    assert records[-1]["record"]["job_type"] == "csv"
    assert status["record_count"] == 12
    assert (status["export_type"], status["export_format"]) == ("backup", "jsonl.gz")
    assert status["filename"].startswith("timeport_backup_")
    text = gzip.decompress(body).decode()
    assert token not in text and "TOKEN" not in text and "token" not in text
    stored = JobRecord.get(admin.user_id, status["id"])
    assert stored.s3_key.startswith(f"backups/{admin.user_id}/")
    completed = stored.completed_at
    assert (stored.expires_at - completed).days == 30


def test_restoring_a_backup_replaces_what_changed_and_backs_it_up_first(aws):
    admin, robin, token = stack_with_data(aws)
    _, first = backup(aws, admin)
    before = data_items()
    later = accept_csv_file(robin, "more.csv", CSV.replace("Website", "Blog").encode(), aws)
    csv_import.import_csv_object(robin.user_id, later.job_id, later.s3_key, aws)

    status = restore(aws, admin, first)

    assert status["status"] == "completed", status
    sections = status["summary"]["sections"]
    assert sections["time_entries"] == {"restored": 3, "replaced": 3, "removed": 3, "kept": 0}
    assert sections["projects"] == {"restored": 2, "replaced": 2, "removed": 1, "kept": 0}
    assert sections["users"] == {"restored": 1, "replaced": 1, "removed": 0, "kept": 1}
    assert data_items() == before
    assert caller_for_token(token).user_id == admin.user_id
    pre = status["summary"]["pre_restore_backup"]
    pre_status = export_status(admin, pre["export_id"])
    # 2 users, 2 clients, 3 projects, 3 tasks, 6 entries; 2 imports and the first backup (not
    # this restore's job nor the pre-restore backup's own: neither is finished yet).
    assert (pre_status["status"], pre_status["record_count"]) == ("completed", 19)
    assert pre["filename"].startswith("pre_restore_backup_")


def test_a_file_that_fails_validation_changes_nothing_and_names_each_problem(aws):
    admin, robin, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    header, *records = lines(body)
    entries = [i for i, record in enumerate(records) if record["section"] == "time_entries"]
    records[entries[0]]["record"]["start_time"] = "yesterday"
    records[entries[1]]["record"]["project_id"] = "nowhere"
    del records[entries[2]]["record"]["billable"]
    before = data_items()

    status = restore(aws, admin, gz([header, *records]))

    assert status["status"] == "failed"
    assert status["error_message"].startswith("The backup file failed validation (2 problem(s)")
    assert [(e["row"], e["column"], e["value"]) for e in status["errors"]] == [
        (entries[0] + 2, "time_entries.start_time", "yesterday"),
        (entries[2] + 2, "time_entries.billable", None),
    ]
    assert data_items() == before
    # The backup taken above and the refused restore; no pre-restore backup was written.
    assert admin_jobs(admin) == [("export", "backup"), ("import", "backup")]


def admin_jobs(admin: Caller) -> list[tuple[str, str]]:
    return [(job.kind, job.job_type) for job in JobRecord.query(admin.user_id)]


def test_references_are_checked_once_the_shape_is_right(aws):
    admin, robin, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    header, *records = lines(body)
    entry = next(r for r in records if r["section"] == "time_entries")
    entry["record"]["project_id"] = "nowhere"

    status = restore(aws, admin, gz([header, *records]))

    ((row, column, value, message),) = [
        (e["row"], e["column"], e["value"], e["message"]) for e in status["errors"]
    ]
    assert (row, column, value) == (records.index(entry) + 2, "time_entries.project_id", "nowhere")
    assert message == "no projects record with project_id 'nowhere'"


def test_a_file_with_only_some_sections_replaces_only_those(aws):
    admin, robin, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    header, *records = lines(body)
    kept = [r for r in records if r["section"] == "time_entries"][:1]
    projects_before = [i for i in data_items() if i["sk"]["S"].startswith("PROJECT#")]

    status = restore(aws, admin, gz([{**header, "sections": {"time_entries": 1}}, *kept]))

    assert status["summary"]["sections"] == {
        "time_entries": {"restored": 1, "replaced": 1, "removed": 2, "kept": 0}
    }
    assert [i for i in data_items() if i["sk"]["S"].startswith("PROJECT#")] == projects_before
    assert len([i for i in data_items() if i["sk"]["S"].startswith("ENTRY#")]) == 1


def test_removing_projects_that_kept_entries_point_to_is_refused(aws):
    admin, robin, _ = stack_with_data(aws)

    status = restore(
        aws, admin, gz([{"format": "timeport-backup", "format_version": 1,
                         "created_at": "2024-01-01T00:00:00Z", "sections": {"projects": 0}}])
    )  # fmt: skip

    assert status["status"] == "failed"
    assert sorted((e["row"], e["column"]) for e in status["errors"]) == [
        (0, "tasks.project_id"),
        (0, "tasks.project_id"),
        (0, "time_entries.project_id"),
        (0, "time_entries.project_id"),
        (0, "time_entries.project_id"),
    ]


def test_an_unknown_version_a_wrong_count_and_a_cut_file_are_refused(aws):
    admin, _, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    header, *records = lines(body)

    newer = restore(aws, admin, gz([{**header, "format_version": 2}, *records]))
    short = restore(aws, admin, gz([header, *records[:-1]]))
    cut = restore(aws, admin, body[: len(body) // 2])

    assert [(e["column"], e["message"]) for e in newer["errors"]] == [
        ("header.format_version", "format_version 2 is not supported; this service reads 1")
    ]
    assert [(e["column"], e["message"]) for e in short["errors"]] == [
        ("header.sections.jobs", "the header gives 1 records, the file holds 0")
    ]
    assert [e["message"] for e in cut["errors"]] == [
        "the file is cut short (its gzip stream does not end)"
    ]


def test_the_admin_keeps_access_and_removed_users_lose_theirs(aws):
    admin, robin, admin_token = stack_with_data(aws)
    _, body = backup(aws, admin)
    header, *records = lines(body)
    everyone_else = [
        r for r in records if r["section"] != "users" or r["record"]["user_id"] != admin.user_id
    ]
    late = create_user("late", "late@example.com")

    status = restore(aws, admin, gz([{**header, "sections": {**header["sections"], "users": 1}},
                                      *everyone_else]))  # fmt: skip

    assert status["summary"]["sections"]["users"] == {
        "restored": 1,
        "replaced": 1,
        "removed": 1,
        "kept": 0,
    }
    assert caller_for_token(admin_token).role == "admin"
    assert caller_for_token(late.api_token) is None
    assert create_user("late", "late2@example.com").username == "late"


def test_a_file_user_with_the_admins_username_under_another_id_is_refused(aws):
    admin, _, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    header, *records = lines(body)
    boss = next(r for r in records if r["record"].get("username") == "boss")
    boss["record"]["user_id"] = "someone-else"

    status = restore(aws, admin, gz([header, *records]))

    assert status["status"] == "failed"
    assert [(e["column"], e["value"]) for e in status["errors"]][0] == ("users.username", "boss")


def test_a_restore_starts_only_from_the_callers_own_existing_upload(aws):
    admin, _, _ = stack_with_data(aws)
    other = caller_of(create_user("other", "other@example.com", "admin"), "admin")
    theirs = accept_restore_file(other, b"x", aws)

    for key, message in (
        (theirs, "upload_key: not an upload key this service gave you"),
        (f"uploads/restore/{admin.user_id}/nothing.jsonl.gz", "upload_key: nothing was uploaded"),
        ("../etc/passwd", "upload_key: not an upload key this service gave you"),
    ):
        with pytest.raises(BadRequest, match=message.replace(".", r"\.")):
            start_restore(admin, key, lambda payload: None, aws)


def test_usernames_follow_their_users_when_a_restore_swaps_or_reuses_them(aws):
    admin, robin, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    header, *records = lines(body)
    robin_record = next(r for r in records if r["record"].get("username") == "robin")
    robin_record["record"]["username"] = "robin2"
    kim = create_user("robin2", "kim@example.com")

    status = restore(aws, admin, gz([header, *records]))

    assert status["status"] == "completed", status
    assert status["summary"]["sections"]["users"]["removed"] == 1
    claims = {
        item["pk"]["S"]: item["user_id"]["S"]
        for item in data_items()
        if item["pk"]["S"].startswith("USERNAME#")
    }
    assert claims == {"USERNAME#boss": admin.user_id, "USERNAME#robin2": robin.user_id}
    assert caller_for_token(kim.api_token) is None


def test_a_restore_does_not_start_while_another_one_is_running(aws):
    admin, _, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    first = start_restore(admin, accept_restore_file(admin, body, aws), lambda p: None, aws)

    with pytest.raises(Conflict, match=f"Restore {first.job_id} is still running"):
        start_restore(admin, accept_restore_file(admin, body, aws), lambda p: None, aws)
    run_restore(admin.user_id, first.job_id, aws)
    second = start_restore(admin, accept_restore_file(admin, body, aws), lambda p: None, aws)
    # A worker that died mid-restore leaves its job processing with a lapsed lease.
    assert take_job(admin.user_id, second.job_id, lease_seconds=-1) is not None
    assert start_restore(admin, accept_restore_file(admin, body, aws), lambda p: None, aws)


def test_a_file_replaced_after_the_check_is_not_read(aws):
    admin, _, _ = stack_with_data(aws)
    key = accept_restore_file(admin, b"first version", aws)
    checked = object_etag(key, aws)
    aws.put_object(Bucket=get_settings().bucket, Key=key, Body=b"second version")

    with pytest.raises(aws.exceptions.ClientError, match="PreconditionFailed"):
        open_object(key, aws, checked)
    assert open_object(key, aws, object_etag(key, aws)).read() == b"second version"


def test_entries_and_jobs_from_toggl_survive_a_round_trip_unchanged(aws):
    admin, robin, _ = stack_with_data(aws)
    job = create_job(
        robin.user_id,
        "import",
        "toggl",
        source_params={"scope_id": "42", "start_date": "2024-03-01", "end_date": "2024-03-31"},
        cursor='{"window": 1, "page": null, "done_in_page": 0}',
    )
    # Finished: a Toggl import still running would hold the restore back (409).
    job.update(
        actions=[
            JobRecord.skipped_records.set(2),
            JobRecord.pages_done.set(3),
            JobRecord.status.set("completed"),
        ]
    )
    start = datetime(2024, 3, 5, 9, tzinfo=UTC)
    no_project = SourceEntry(
        "toggl",
        "4100000007",
        start,
        start + timedelta(hours=1),
        None,
        None,
        None,
        "no project",
        False,
        ["x"],
    )
    entry_from_source(no_project, job, Catalog(robin.user_id), start).save()
    _, body = backup(aws, admin)
    before = data_items()
    jobs_before = JobRecord.get(robin.user_id, job.job_id).attribute_values
    TimeEntryRecord(f"USER#{robin.user_id}", "ENTRY#toggl-4100000007").delete()

    status = restore(aws, admin, body)

    assert status["status"] == "completed", status
    assert data_items() == before
    restored = JobRecord.get(robin.user_id, job.job_id).attribute_values
    assert {key: restored[key] for key in ("skipped_records", "pages_done", "cursor")} == {
        "skipped_records": 2,
        "pages_done": 3,
        "cursor": jobs_before["cursor"],
    }
    assert restored["source_params"].as_dict() == {
        "scope_id": "42",
        "start_date": "2024-03-01",
        "end_date": "2024-03-31",
    }


def test_a_restore_keeps_the_admins_backups_including_the_one_it_restores(aws):
    admin, _, _ = stack_with_data(aws)
    first_status, body = backup(aws, admin)

    status = restore(aws, admin, body)

    assert status["status"] == "completed", status
    assert export_status(admin, first_status["id"])["status"] == "completed"
    assert status["summary"]["sections"]["jobs"]["removed"] == 0


def test_a_restore_interrupted_halfway_is_undone_by_its_pre_restore_backup(aws, monkeypatch):
    admin, robin, _ = stack_with_data(aws)
    _, small = backup(aws, admin)
    rows = "".join(
        f"Archive,Bakery,,2023-05-{1 + n % 28:02d} 08:00:00,1,old {n},\n" for n in range(80)
    )
    more = accept_csv_file(robin, "archive.csv", (CSV.splitlines()[0] + "\n" + rows).encode(), aws)
    csv_import.import_csv_object(robin.user_id, more.job_id, more.s3_key, aws)
    _, large = backup(aws, admin)
    assert restore(aws, admin, small)["status"] == "completed"
    before = data_items()

    # The worker dies after writing 40 of the file's 83 entries: users, clients, projects and
    # tasks are already replaced, the entries only in part. (The 3 stored entries go through
    # the same item builder first, to be listed.)
    model, to_item, key_of = restore_job.ITEMS["time_entries"]
    built = []

    def dies_after_forty_of_the_file(record):
        if len(built) == 3 + 40:
            raise TimeoutError("the restore worker ran out of time")
        built.append(record["entry_id"])
        return to_item(record)

    monkeypatch.setitem(
        restore_job.ITEMS, "time_entries", (model, dies_after_forty_of_the_file, key_of)
    )
    key = accept_restore_file(admin, large, aws)
    interrupted = start_restore(admin, key, lambda payload: None, aws)
    with pytest.raises(TimeoutError):
        run_restore(admin.user_id, interrupted.job_id, aws)
    monkeypatch.undo()
    half_done = data_items()
    file_entries = [
        r["record"]["entry_id"] for r in lines(large) if r.get("section") == "time_entries"
    ]
    stored_entries = {item["sk"]["S"] for item in half_done if item["sk"]["S"].startswith("ENTRY#")}
    assert stored_entries == {f"ENTRY#{entry}" for entry in built[:3] + file_entries[:40]}
    assert len(stored_entries) == 43 and half_done != before

    pre = import_status(admin, interrupted.job_id)["summary"]["pre_restore_backup"]
    pre_file = JobRecord.get(admin.user_id, pre["export_id"])
    undo = restore(aws, admin, open_object(pre_file.s3_key, aws).read())

    assert undo["status"] == "completed", undo
    assert undo["summary"]["sections"]["time_entries"] == {
        "restored": 3, "replaced": 3, "removed": 40, "kept": 0
    }  # fmt: skip
    assert data_items() == before


def test_a_gzip_bomb_is_refused_after_a_few_megabytes_and_changes_nothing(aws):
    admin, _, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    header, first_user, *_ = lines(body)
    bomb = gzip_bomb(header, first_user, copies=300, padding=1_500_000)
    assert len(bomb) < 1_000_000  # 450 MB once decompressed
    before = data_items()

    tracemalloc.start()
    status = restore(aws, admin, bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert status["status"] == "failed"
    *duplicates, problem = status["errors"]
    assert {e["message"] for e in duplicates} <= {
        "the same user_id as the record on line 2",
        "the same username as the record on line 2",
    }
    assert problem["message"].startswith(
        "the file expands more than 200 times when decompressed (by line "
    )
    stopped_at = int(problem["message"].split("by line ")[1].split(")")[0])
    assert stopped_at < 30
    assert peak < 40 * 1024 * 1024
    assert data_items() == before


def test_a_file_of_junk_lines_is_refused_after_the_first_500_problems(aws):
    admin, _, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    header = lines(body)[0]
    junk = [f"not a record {n}" for n in range(5000)]
    content = gzip.compress((json.dumps(header) + "\n" + "\n".join(junk) + "\n").encode())

    status = restore(aws, admin, content)

    assert status["status"] == "failed"
    assert len(status["errors"]) == 500
    assert status["errors"][-1] == {
        "row": 501, "column": None, "value": None, "message": "not a JSON record"
    }  # fmt: skip
    assert status["error_message"] == (
        "The backup file failed validation (500 problem(s) before the check stopped at line 502; "
        "the first 500 are listed in errors); nothing was changed"
    )


def test_a_restore_keeps_the_records_of_jobs_not_finished_when_it_started(aws):
    admin, robin, _ = stack_with_data(aws)
    _, body = backup(aws, admin)
    grant = start_csv_upload(robin, "late.csv", aws)  # the URL is given before the restore
    key = accept_restore_file(admin, body, aws)
    job = start_restore(admin, key, lambda payload: None, aws)
    aws.put_object(Bucket=get_settings().bucket, Key=grant["fields"]["key"], Body=CSV.encode())
    assert (
        csv_import.import_csv_object(robin.user_id, grant["import_id"], grant["fields"]["key"], aws)
        == "failed"
    )

    run_restore(admin.user_id, job.job_id, aws)

    assert import_status(admin, job.job_id)["status"] == "completed"
    refused = import_status(robin, grant["import_id"])
    assert (refused["status"], refused["error_message"]) == (
        "failed",
        "A backup was being restored when this file arrived, so nothing was imported; ask for "
        "a new upload URL and send the file again",
    )
