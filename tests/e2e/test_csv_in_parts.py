"""A CSV above CsvChunkThresholdBytes, end to end: presigned upload form, the S3 trigger cuts
it, the Distributed Map imports the parts, the status comes over HTTP. Every record holds a quoted
value with line breaks and doubled quotes, so every cut lies next to one."""

import json
import re
import time

import pytest
import requests

from tests.e2e.conftest import Api, running_stack

pytestmark = pytest.mark.e2e

ROWS = 400
BAD_ROWS = {
    37: ("start_time", "someday", "Not a date and time"),
    150: ("duration_hours", "-1", "duration_hours must not be negative"),
    333: ("project_name", "", "project_name is required"),
    401: ("billable", "perhaps", "billable must be true/false, yes/no or 1/0"),
}
THRESHOLD_BYTES, CHUNK_BYTES = 4_000, 6_000


@pytest.fixture(scope="module")
def chunk_stack():
    settings = {
        "TIMEPORT_PARAMETER_CsvChunkThresholdBytes": str(THRESHOLD_BYTES),
        "TIMEPORT_PARAMETER_CsvChunkBytes": str(CHUNK_BYTES),
    }
    with running_stack("chunk-stack", **settings) as stack:
        yield stack


def note(row: int) -> str:
    return f'row {row}, café\r\nsaid "fine"\r\n'


def big_file() -> bytes:
    lines = ["project_name,start_time,duration_hours,notes,billable"]
    for row in range(2, ROWS + 2):
        project, start, hours, billable = "Website", f"2024-03-{1 + row % 28:02d} 09:00", "1", ""
        if row in BAD_ROWS:
            column, value, _ = BAD_ROWS[row]
            project = value if column == "project_name" else project
            start = value if column == "start_time" else start
            hours = value if column == "duration_hours" else hours
            billable = value if column == "billable" else billable
        quoted = note(row).replace('"', '""')
        lines.append(f'{project},{start},{hours},"{quoted}",{billable}')
    return "\ufeff".encode() + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_a_file_in_parts_imports_every_row_once_with_whole_file_row_numbers(chunk_stack):
    admin = Api(chunk_stack["base_url"], chunk_stack["admin_token"])
    created = admin.post(
        "/api/admin/users", json={"username": "parts", "email": "parts@example.com"}
    ).json()
    user = Api(chunk_stack["base_url"], created["api_token"])
    chunk_stack["never_logged"].update({created["api_token"], "café"})
    content = big_file()
    assert len(content) > THRESHOLD_BYTES

    grant = user.post("/api/import/csv/upload-url", json={"filename": "big.csv"}).json()
    started = time.monotonic()
    sent = user.send_file(grant, content, "big.csv")
    assert sent.status_code == 204, sent.text
    status = user.wait_for(f"/api/import/status/{grant['import_id']}")
    seconds = time.monotonic() - started

    assert (status["status"], status["total_records"]) == ("partial", ROWS)
    assert (status["successful_records"], status["failed_records"]) == (ROWS - 4, 4)
    assert [(e["row"], e["column"], e["value"]) for e in status["errors"]] == [
        (row, column, value) for row, (column, value, _) in sorted(BAD_ROWS.items())
    ]
    for error in status["errors"]:
        assert error["message"].startswith(BAD_ROWS[error["row"]][2])
    assert status["errors_omitted"] == 0

    export = user.post("/api/export/gdpr", json={"format": "json"}).json()
    user.wait_for(f"/api/export/status/{export['export_id']}")
    download = user.get(export["download_url"], allow_redirects=False).headers["Location"]
    entries = json.loads(requests.get(download, timeout=30).content)["time_entries"]
    good_rows = [row for row in range(2, ROWS + 2) if row not in BAD_ROWS]
    assert sorted(entry["notes"] for entry in entries) == sorted(
        note(row).strip() for row in good_rows
    )

    log = chunk_stack["log_path"].read_text()
    (cut,) = [json.loads(line) for line in log.splitlines() if "CSV file cut into parts" in line]
    assert cut["chunks"] == len(re.findall(r'"message":"CSV part imported"', log)) > 3
    assert seconds < 60
