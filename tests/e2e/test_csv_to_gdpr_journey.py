"""The first slice end to end: a real CSV in by presigned URL, the GDPR ZIP out by the download
link, and a second user who sees none of it. HTTP and presigned URLs only."""

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
import requests

pytestmark = pytest.mark.e2e

BAD_ROWS = {
    101: ("project_name", "", "project_name is required"),
    502: ("start_time", "31/31/2024 09:00:00", None),
    777: ("duration_hours", "-2", "duration_hours must not be negative"),
    1001: ("end_time", "2024-02-01 08:00:00", "end_time is before start_time"),
}


def thousand_rows() -> tuple[bytes, int]:
    """1,000 data rows (rows 2-1001) in the guide's format; returns the file and the good rows'
    total duration in seconds."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "project_name",
            "client_name",
            "task_name",
            "start_time",
            "end_time",
            "duration_hours",
            "notes",
            "tags",
            "billable",
        ]
    )
    total_seconds = 0
    base = datetime(2024, 1, 1, 8, 0)
    for index in range(1000):
        row = index + 2
        start = base + timedelta(days=index // 4, hours=2 * (index % 4))
        minutes = 15 * (index % 8 + 1)
        project = f"Project {index % 5}"
        values = [
            project,
            f"Client {index % 3}",
            f"Task {index % 2}" if index % 3 else "",
            start.strftime("%Y-%m-%d %H:%M:%S"),
            "",
            "",
            f"work item {row}",
            "dev;review",
            "true" if index % 2 else "false",
        ]
        if index % 2:
            values[4] = (start + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")
        else:
            values[5] = str(minutes / 60)
        if row == 101:
            values[0] = ""
        elif row == 502:
            values[3] = "31/31/2024 09:00:00"
        elif row == 777:
            values[4], values[5] = "", "-2"
        elif row == 1001:
            values[3], values[4], values[5] = "2024-02-01 09:00:00", "2024-02-01 08:00:00", ""
        else:
            total_seconds += minutes * 60
        writer.writerow(values)
    return out.getvalue().encode("utf-8"), total_seconds


def test_a_thousand_row_csv_ends_partial_and_the_gdpr_zip_holds_exactly_its_entries(
    new_user, local_stack
):
    alice, bob = new_user(), new_user()
    content, expected_seconds = thousand_rows()
    local_stack["never_logged"].update({"work item 500", "31/31/2024 09:00:00"})

    grant = alice.post("/api/import/csv/upload-url", json={"filename": "timesheet.csv"})
    assert grant.status_code == 200, grant.text
    upload = grant.json()
    assert (upload["method"], upload["fields"]["Content-Type"], upload["expires_in"]) == (
        "POST",
        "text/csv",
        900,
    )
    assert upload["fields"]["key"] == f"uploads/csv/{alice.user_id}/{upload['import_id']}.csv"
    sent = alice.send_file(upload, content, "timesheet.csv")
    assert sent.status_code == 204, sent.text

    status = alice.wait_for(f"/api/import/status/{upload['import_id']}")
    assert (status["status"], status["total_records"]) == ("partial", 1000)
    assert (status["successful_records"], status["failed_records"]) == (996, 4)
    assert sorted(error["row"] for error in status["errors"]) == sorted(BAD_ROWS)
    for error in status["errors"]:
        column, value, message = BAD_ROWS[error["row"]]
        assert (error["column"], error["value"]) == (column, value)
        if message:
            assert error["message"] == message

    started = alice.post("/api/export/gdpr", json={"format": "zip"})
    assert started.status_code == 202, started.text
    export = started.json()
    assert export["download_url"] == f"/api/export/download/{export['export_id']}"
    finished = alice.wait_for(f"/api/export/status/{export['export_id']}")
    assert finished["status"] == "completed"

    redirect = alice.get(export["download_url"], allow_redirects=False)
    assert redirect.status_code == 302
    archive = zipfile.ZipFile(
        io.BytesIO(requests.get(redirect.headers["Location"], timeout=30).content)
    )
    document = json.loads(archive.read("export.json"))
    entries = document["time_entries"]
    assert len(entries) == 996
    assert sum(entry["duration_seconds"] for entry in entries) == expected_seconds
    assert {entry["import_id"] for entry in entries} == {upload["import_id"]}
    csv_rows = list(
        csv.DictReader(io.StringIO(archive.read("time_entries.csv").decode("utf-8-sig")))
    )
    assert sum(int(row["duration_seconds"]) for row in csv_rows) == expected_seconds
    assert sorted(project["name"] for project in document["projects"]) == [
        f"Project {n}" for n in range(5)
    ]
    assert finished["record_count"] == 996 + 5 + len(document["clients"]) + len(document["tasks"])

    assert bob.get(f"/api/import/status/{upload['import_id']}").status_code == 404
    assert bob.get(f"/api/export/status/{export['export_id']}").status_code == 404
    assert bob.get(export["download_url"], allow_redirects=False).status_code == 404
    assert bob.get("/api/import/history").json() == {"imports": [], "next_before": None}
    assert bob.get("/api/export/history").json() == {"exports": [], "next_before": None}
    bob_export = bob.post("/api/export/gdpr", json={"format": "json"}).json()
    bob.wait_for(f"/api/export/status/{bob_export['export_id']}")
    bob_file = requests.get(
        bob.get(bob_export["download_url"], allow_redirects=False).headers["Location"], timeout=30
    ).json()
    assert (bob_file["time_entries"], bob_file["projects"], bob_file["clients"]) == ([], [], [])


def test_uploading_again_to_the_same_url_imports_nothing_twice(new_user):
    user = new_user()
    content = (
        b"project_name,start_time,duration_hours\nP,2024-01-01 09:00,1\nP,2024-01-02 09:00,2\n"
    )
    upload = user.post("/api/import/csv/upload-url", json={"filename": "twice.csv"}).json()
    user.send_file(upload, content)
    first = user.wait_for(f"/api/import/status/{upload['import_id']}")

    again = user.send_file(upload, content)

    assert again.status_code == 204
    export = user.post("/api/export/gdpr", json={"format": "json"}).json()
    user.wait_for(f"/api/export/status/{export['export_id']}")
    location = user.get(export["download_url"], allow_redirects=False).headers["Location"]
    document = requests.get(location, timeout=30).json()
    assert (first["status"], first["successful_records"]) == ("completed", 2)
    assert [entry["duration_seconds"] for entry in document["time_entries"]] == [3600, 7200]
    assert user.get(f"/api/import/status/{upload['import_id']}").json()["successful_records"] == 2
