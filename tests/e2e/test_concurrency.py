"""Twenty users importing at once, with a bounded burst of status and history calls: exact
counts for everyone and no entry in the wrong account."""

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.e2e

USERS = 20
BURST_CALLS = 200


def csv_for(index: int) -> tuple[bytes, int, int]:
    """A file of its owner's own project, with some bad rows; returns (file, good, bad)."""
    rows, good, bad = ["project_name,start_time,duration_hours"], 0, 0
    for number in range(100 + 10 * index):
        if number % 37 == 5:
            rows.append(f"Owner {index},not a date,1")
            bad += 1
        else:
            rows.append(
                f"Owner {index},2024-02-{1 + number % 28:02d} {8 + number % 9:02d}:00:00,0.5"
            )
            good += 1
    return ("\n".join(rows) + "\n").encode(), good, bad


def test_twenty_imports_at_once_each_land_exactly_in_their_own_account(new_user_factory):
    users = [new_user_factory() for _ in range(USERS)]
    files = [csv_for(index) for index in range(USERS)]

    def start(index: int) -> str:
        content = files[index][0]
        response = users[index].post("/api/import/csv", files={"file": (f"f{index}.csv", content)})
        assert response.status_code == 202, response.text
        return response.json()["import_id"]

    def burst(call: int) -> int:
        user = users[call % USERS]
        path = "/api/import/history" if call % 2 else "/api/export/history"
        return user.get(path).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        import_ids = list(pool.map(start, range(USERS)))
        statuses = list(pool.map(burst, range(BURST_CALLS)))
    assert statuses == [200] * BURST_CALLS

    for index, import_id in enumerate(import_ids):
        status = users[index].wait_for(f"/api/import/status/{import_id}")
        _, good, bad = files[index]
        assert (status["status"], status["successful_records"], status["failed_records"]) == (
            "partial",
            good,
            bad,
        )

    for index in (0, 7, 19):
        export = users[index].post("/api/export/gdpr", json={"format": "zip"}).json()
        users[index].wait_for(f"/api/export/status/{export['export_id']}")
        location = (
            users[index].get(export["download_url"], allow_redirects=False).headers["Location"]
        )
        archive = zipfile.ZipFile(io.BytesIO(requests.get(location, timeout=30).content))
        projects = archive.read("projects.csv").decode("utf-8-sig").splitlines()[1:]
        assert [line.split(",")[1] for line in projects] == [f"Owner {index}"]
