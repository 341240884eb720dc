"""Admin backup and restore through HTTP and presigned URLs: the round trip into an empty
stack, a corrupted file refused with nothing changed, and the pre-restore backup."""

import gzip
import json

import pytest
import requests

from tests.e2e.conftest import Api
from tests.hostile_files import gzip_bomb

pytestmark = pytest.mark.e2e

CSV = (
    b"project_name,client_name,task_name,start_time,duration_hours,notes,tags,billable\n"
    b"Website,Bakery,Design,2024-03-01 09:00:00,1.5,=cmd(),a;b,true\n"
    b"Shop,Florist,,2024-03-02 09:00:00,2,,,false\n"
)


def take_backup(admin) -> tuple[str, bytes]:
    """Back up through the API; returns the export id and the file."""
    started = admin.post("/api/export/backup")
    assert started.status_code == 202, started.text
    export_id = started.json()["export_id"]
    return export_id, download(admin, export_id)


def download(admin, export_id: str) -> bytes:
    status = admin.wait_for(f"/api/export/status/{export_id}")
    assert (status["status"], status["export_type"]) == ("completed", "backup")
    location = admin.get(status["download_url"], allow_redirects=False).headers["Location"]
    return requests.get(location, timeout=60).content


def read_backup(body: bytes) -> tuple[dict, dict[str, list[dict]]]:
    header, *lines = [json.loads(line) for line in gzip.decompress(body).splitlines()]
    sections: dict[str, list[dict]] = {name: [] for name in header["sections"]}
    for line in lines:
        sections[line["section"]].append(line["record"])
    return header, sections


def restore_by_upload_url(admin, content: bytes) -> dict:
    grant = admin.post("/api/backup/restore/upload-url")
    assert grant.status_code == 200, grant.text
    upload = grant.json()
    sent = admin.send_file(upload, content, "backup.jsonl.gz")
    assert sent.status_code == 204, sent.text
    started = admin.post("/api/backup/restore", json={"upload_key": upload["upload_key"]})
    assert started.status_code == 202, started.text
    assert started.json()["success"] is True
    return admin.wait_for(f"/api/import/status/{started.json()['import_id']}")


def restore_by_multipart(admin, content: bytes) -> dict:
    started = admin.post("/api/backup/restore", files={"file": ("backup.jsonl.gz", content)})
    assert started.status_code == 202, started.text
    return admin.wait_for(f"/api/import/status/{started.json()['import_id']}")


def user_with_entries(new_user):
    user = new_user(timezone="Europe/Berlin")
    started = user.post("/api/import/csv", files={"file": ("hours.csv", CSV)})
    assert user.wait_for(f"/api/import/status/{started.json()['import_id']}")["status"] == (
        "completed"
    )
    return user


def without(records: list[dict], field: str, values: set) -> list[dict]:
    return [record for record in records if record[field] not in values]


def test_backup_is_for_admins_and_holds_every_section_with_exact_counts(admin, new_user):
    user = user_with_entries(new_user)

    refused = user.post("/api/export/backup")
    _, body = take_backup(admin)

    assert (refused.status_code, refused.json()) == (
        403,
        {"error": "This route is for admins only"},
    )
    header, sections = read_backup(body)
    assert (header["format"], header["format_version"]) == ("timeport-backup", 1)
    assert header["sections"] == {name: len(records) for name, records in sections.items()}
    assert list(header["sections"]) == [
        "users", "clients", "projects", "tasks", "time_entries", "jobs",
        "expenses", "comments", "settings", "invoices", "payments",
    ]  # fmt: skip
    mine = [e for e in sections["time_entries"] if e["user_id"] == user.user_id]
    assert [(e["notes"], e["duration_seconds"], e["billable"]) for e in mine] == [
        ("=cmd()", 5400, True),
        (None, 7200, False),
    ]
    assert user.user_id in {u["user_id"] for u in sections["users"]}
    assert "tp_" not in gzip.decompress(body).decode()
    for route in ("/api/backup/restore/upload-url", "/api/backup/restore"):
        assert user.post(route, json={"upload_key": "x"}).status_code == 403


def test_a_corrupted_backup_is_refused_and_leaves_every_record_as_it_was(admin, new_user):
    user_with_entries(new_user)
    _, good = take_backup(admin)
    header, sections = read_backup(good)
    lines = [header] + [
        {"section": name, "record": record}
        for name, records in sections.items()
        for record in records
    ]
    corrupt = next(i for i, line in enumerate(lines) if line.get("section") == "time_entries")
    lines[corrupt]["record"]["duration_seconds"] = "ninety"
    content = gzip.compress("".join(json.dumps(line) + "\n" for line in lines).encode())
    before_id, before = take_backup(admin)

    status = restore_by_multipart(admin, content)
    _, after = take_backup(admin)

    assert (status["status"], status["failed_records"], status["summary"]) == ("failed", 1, None)
    assert status["error_message"] == (
        "The backup file failed validation (1 problem(s), listed in errors); nothing was changed"
    )
    assert [(e["row"], e["column"], e["value"]) for e in status["errors"]] == [
        (corrupt + 1, "time_entries.duration_seconds", "ninety")
    ]
    _, was = read_backup(before)
    _, now = read_backup(after)
    for name in was:
        if name != "jobs":
            assert now[name] == was[name], name
    # The only new job records: the backup taken just before, and the refused restore itself.
    assert without(now["jobs"], "job_id", {before_id, status["id"]}) == was["jobs"]
    assert len(now["jobs"]) == len(was["jobs"]) + 2


def test_a_restore_leaves_a_pre_restore_backup_that_undoes_it(admin, new_user):
    user = user_with_entries(new_user)
    _, snapshot = take_backup(admin)
    _, held = read_backup(snapshot)
    later = user.post(
        "/api/import/csv", files={"file": ("later.csv", CSV.replace(b"Shop", b"Blog"))}
    )
    user.wait_for(f"/api/import/status/{later.json()['import_id']}")

    status = restore_by_upload_url(admin, snapshot)

    assert status["status"] == "completed", status
    entries = status["summary"]["sections"]["time_entries"]
    total = len(held["time_entries"])
    assert entries == {"restored": total, "replaced": total, "removed": 2, "kept": 0}
    assert status["summary"]["sections"]["projects"]["removed"] == 1
    assert status["summary"]["sections"]["users"]["kept"] == 1
    assert (status["total_records"], status["import_type"]) == (
        sum(len(records) for records in held.values()),
        "backup",
    )
    assert user_notes(user) == [None, "=cmd()"]
    pre = status["summary"]["pre_restore_backup"]
    assert pre["filename"].startswith("pre_restore_backup_")
    _, replaced = read_backup(download(admin, pre["export_id"]))
    assert len(replaced["time_entries"]) == total + 2

    undo = restore_by_multipart(admin, download(admin, pre["export_id"]))

    assert undo["status"] == "completed", undo
    assert user_notes(user) == [None, None, "=cmd()", "=cmd()"]
    assert admin.get("/api/import/history").status_code == 200


def user_notes(user) -> list:
    started = user.post("/api/export/filtered", json={"format": "json"}).json()
    user.wait_for(f"/api/export/status/{started['export_id']}")
    location = user.get(started["download_url"], allow_redirects=False).headers["Location"]
    entries = requests.get(location, timeout=30).json()["time_entries"]
    return sorted((entry["notes"] for entry in entries), key=lambda note: note or "")


def test_an_admin_backup_restored_into_an_empty_stack_reproduces_every_record(
    admin, new_user, empty_stack
):
    robin = user_with_entries(new_user)
    _, original = take_backup(admin)
    header, first = read_backup(original)
    restorer = empty_stack(admin_username="restorer")

    status = restore_by_upload_url(restorer, original)
    _, again = take_backup(restorer)

    assert status["status"] == "completed", status
    assert restorer.get("/api/import/history").json()["imports"][0]["id"] == status["id"]

    second_header, second = read_backup(again)
    (restorer_id,) = {u["user_id"] for u in second["users"]} - {
        u["user_id"] for u in first["users"]
    }
    assert status["summary"]["admin_kept"] == restorer_id
    assert status["summary"]["sections"]["users"] == {
        "restored": len(first["users"]),
        "replaced": 0,
        "removed": 0,
        "kept": 0,
    }
    for name, records in first.items():
        assert without(second[name], "user_id", {restorer_id}) == records, name
    restorer_jobs = [job["job_type"] for job in second["jobs"] if job["user_id"] == restorer_id]
    assert sorted(restorer_jobs) == ["backup", "backup"]
    assert second_header["sections"]["time_entries"] == header["sections"]["time_entries"]

    # Tokens are not in backups: the admin issues the restored user a new one, and it works.
    issued = restorer.post(f"/api/admin/users/{robin.user_id}/tokens")
    assert issued.status_code == 201, issued.text
    assert (issued.json()["user_id"], issued.json()["username"]) == (robin.user_id, robin.username)
    restored_robin = Api(restorer.base_url, issued.json()["api_token"])
    history = restored_robin.get("/api/import/history").json()["imports"]
    assert [job["successful_records"] for job in history] == [2]


def test_backups_are_kept_thirty_days_not_seven(admin, app_clock):
    export_id, _ = take_backup(admin)

    app_clock(days=8)
    kept = admin.get(f"/api/export/download/{export_id}", allow_redirects=False)
    app_clock(days=30, seconds=1)
    gone = admin.get(f"/api/export/download/{export_id}", allow_redirects=False)

    assert kept.status_code == 302
    assert (gone.status_code, gone.json()) == (
        410,
        {"error": "This export has expired (it was kept 30 days); start a new export"},
    )


@pytest.mark.parametrize(
    ("request_kwargs", "status", "message"),
    [
        ({"json": {}}, 400, "upload_key: Field required"),
        ({"json": {"upload_key": "uploads/csv/x.csv"}}, 400, "upload_key: not an upload key"),
        ({"files": {"other": ("b.gz", b"x")}}, 400, "No file provided: send the backup"),
        ({"files": {"file": ("b.gz", b"x" * (4 * 1024 * 1024 + 1))}}, 413, "The file is larger"),
    ],
)
def test_a_restore_request_without_a_usable_file_starts_nothing(
    admin, request_kwargs, status, message
):
    imports_before = admin.get("/api/import/history").json()["imports"]

    response = admin.post("/api/backup/restore", **request_kwargs)

    assert response.status_code == status
    assert response.json()["error"].startswith(message)
    assert admin.get("/api/import/history").json()["imports"] == imports_before


def test_a_file_that_is_not_a_backup_fails_with_a_reason(admin):
    status = restore_by_multipart(admin, b"project_name,start_time\nP,2024-01-01\n")

    assert status["status"] == "failed"
    assert [e["message"] for e in status["errors"]] == ["the file is not a gzip-compressed backup"]


def test_a_gzip_bomb_fails_with_a_reason_and_changes_nothing(admin, new_user):
    user_with_entries(new_user)
    _, body = take_backup(admin)
    header, sections = read_backup(body)
    bomb = gzip_bomb(header, {"section": "users", "record": sections["users"][0]}, 300, 1_500_000)
    _, before = read_backup(take_backup(admin)[1])

    status = restore_by_multipart(admin, bomb)

    assert status["status"] == "failed"
    assert status["errors"][-1]["message"].startswith(
        "the file expands more than 200 times when decompressed (by line "
    )
    _, after = read_backup(take_backup(admin)[1])
    assert {name: records for name, records in after.items() if name != "jobs"} == {
        name: records for name, records in before.items() if name != "jobs"
    }
