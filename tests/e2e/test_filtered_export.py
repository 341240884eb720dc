"""Filtered exports through HTTP: each format and filter, exact rows, refused filters."""

import csv
import io
import json
import zipfile

import pytest
import requests
from openpyxl import load_workbook

pytestmark = pytest.mark.e2e

# Times are Europe/Berlin (the user's zone): March 2024 starts at 2024-02-29T23:00Z.
ENTRIES = (
    "project_name,client_name,start_time,duration_hours,notes,billable\n"
    "Website,Bakery,2024-02-29 23:50:00,1,before the range,true\n"
    "Website,Bakery,2024-03-01 00:30:00,1,first minute of the range,true\n"
    'Website,Bakery,2024-03-15 10:00:00,2,=HYPERLINK("x"),false\n'
    "Mobile app,Bakery,2024-03-16 10:00:00,3,other project,true\n"
    "Website,Bakery,2024-03-31 23:30:00,0.5,last minute of the range,true\n"
    "Website,Bakery,2024-04-01 00:10:00,1,after the range,true\n"
)
MARCH = {"start_date": "2024-03-01", "end_date": "2024-03-31"}


@pytest.fixture
def robin(new_user):
    user = new_user(timezone="Europe/Berlin")
    started = user.post("/api/import/csv", files={"file": ("hours.csv", ENTRIES.encode())})
    status = user.wait_for(f"/api/import/status/{started.json()['import_id']}")
    assert (status["status"], status["successful_records"]) == ("completed", 6)
    return user


def export(user, export_format: str, **filters) -> tuple[dict, bytes]:
    started = user.post("/api/export/filtered", json={"format": export_format, "filters": filters})
    assert started.status_code == 202, started.text
    status = user.wait_for(f"/api/export/status/{started.json()['export_id']}")
    assert status["status"] == "completed", status
    location = user.get(started.json()["download_url"], allow_redirects=False).headers["Location"]
    return status, requests.get(location, timeout=30).content


def project_ids(user) -> dict[str, str]:
    _, body = export(user, "json", include_time_entries=False, include_projects=True)
    return {project["name"]: project["id"] for project in json.loads(body)["projects"]}


def csv_rows(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_csv_for_one_project_and_a_date_range_holds_exactly_its_entries(robin):
    website = project_ids(robin)["Website"]

    status, body = export(robin, "csv", project_id=website, **MARCH)

    rows = csv_rows(body)
    assert [row["notes"] for row in rows] == [
        "first minute of the range",
        '\'=HYPERLINK("x")',
        "last minute of the range",
    ]
    assert [row["start_time"] for row in rows] == [
        "2024-03-01T00:30:00+01:00",
        "2024-03-15T10:00:00+01:00",
        "2024-03-31T23:30:00+02:00",
    ]
    assert {row["project_id"] for row in rows} == {website}
    assert [row["duration_seconds"] for row in rows] == ["3600", "7200", "1800"]
    assert (status["record_count"], status["export_format"], status["export_type"]) == (
        3,
        "csv",
        "filtered",
    )
    assert status["filename"].endswith(".csv")
    assert status["filters"]["project_id"] == website


def test_billable_only_leaves_out_non_billable_entries(robin):
    status, body = export(robin, "json", billable_only=True, **MARCH)

    notes = [entry["notes"] for entry in json.loads(body)["time_entries"]]
    assert notes == ["first minute of the range", "other project", "last minute of the range"]
    assert status["record_count"] == 3


def test_json_holds_one_key_per_included_type(robin):
    status, body = export(robin, "json", include_projects=True, include_expenses=True)

    document = json.loads(body)
    assert list(document) == ["time_entries", "projects", "expenses"]
    assert (len(document["time_entries"]), document["expenses"]) == (6, [])
    assert sorted(project["name"] for project in document["projects"]) == ["Mobile app", "Website"]
    assert status["record_count"] == 8


def test_csv_with_several_types_is_a_zip_of_one_csv_each_with_header_rows_when_empty(robin):
    status, body = export(robin, "csv", include_projects=True, include_expenses=True, **MARCH)

    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == ["time_entries.csv", "projects.csv", "expenses.csv"]
    assert len(csv_rows(archive.read("time_entries.csv"))) == 4
    assert len(csv_rows(archive.read("projects.csv"))) == 2
    assert archive.read("expenses.csv").decode("utf-8-sig").splitlines() == [
        "user_id,id,date,project_id,category,description,amount,currency,billable"
    ]
    assert (status["filename"].endswith(".zip"), status["record_count"]) == (True, 6)


def test_xlsx_has_one_sheet_per_type_with_typed_and_neutralised_cells(robin):
    website = project_ids(robin)["Website"]

    status, body = export(robin, "xlsx", include_projects=True, project_id=website, **MARCH)

    workbook = load_workbook(io.BytesIO(body), read_only=True)
    assert workbook.sheetnames == ["time_entries", "projects"]
    header, *rows = workbook["time_entries"].iter_rows(values_only=True)
    columns = {name: index for index, name in enumerate(header)}
    assert [row[columns["notes"]] for row in rows] == [
        "first minute of the range",
        '\'=HYPERLINK("x")',
        "last minute of the range",
    ]
    assert [row[columns["duration_seconds"]] for row in rows] == [3600, 7200, 1800]
    assert [row[columns["billable"]] for row in rows] == [True, False, True]
    projects = list(workbook["projects"].iter_rows(values_only=True))
    assert [row[2] for row in projects] == ["name", "Website"]
    assert status["record_count"] == 4


def test_an_export_with_no_matching_data_still_has_its_header_row(robin):
    status, body = export(robin, "csv", start_date="2030-01-01")

    assert body.decode("utf-8-sig").splitlines()[0].startswith("user_id,id,project_id,project,")
    assert (csv_rows(body), status["record_count"]) == ([], 0)


def test_an_admin_may_export_every_users_entries(admin, robin, new_user):
    other = new_user()
    started = other.post(
        "/api/import/csv",
        files={"file": ("o.csv", b"project_name,start_time,duration_hours\nX,2024-03-10,1\n")},
    )
    other.wait_for(f"/api/import/status/{started.json()['import_id']}")
    own_status, own = export(robin, "json", **MARCH)

    _, everyone = export(admin, "json", all_users=True, **MARCH)

    users = {entry["user_id"] for entry in json.loads(everyone)["time_entries"]}
    assert {robin.user_id} == {entry["user_id"] for entry in json.loads(own)["time_entries"]}
    assert own_status["record_count"] == 4
    assert {robin.user_id, other.user_id} <= users


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"colour": "red"}, "filters.colour: Extra inputs are not permitted"),
        ({"start_date": "2024-02-30"}, "filters.start_date: Value error, '2024-02-30' is not a"),
        (
            {"start_date": "2024-03-02", "end_date": "2024-03-01"},
            "filters: Value error, end_date 2024-03-01 is before start_date 2024-03-02",
        ),
        ({"include_time_entries": False}, "filters: Value error, include at least one of"),
        ({"project_id": "prj_nope"}, "filters.project_id: no project with id 'prj_nope'"),
        ({"end_date": "9999-12-31"}, "filters.end_date: Value error, '9999-12-31' is outside"),
        ({"billable_only": "yes"}, "filters.billable_only: Input should be a valid boolean"),
    ],
)
def test_a_bad_filter_answers_400_naming_it_and_starts_no_job(robin, filters, message):
    response = robin.post("/api/export/filtered", json={"format": "csv", "filters": filters})

    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert robin.get("/api/export/history").json() == {"exports": [], "next_before": None}


def test_only_admins_may_ask_for_every_users_data(robin):
    response = robin.post("/api/export/filtered", json={"filters": {"all_users": True}})

    assert (response.status_code, response.json()) == (
        403,
        {"error": "filters.all_users: only admins may export every user's data"},
    )


def test_an_unknown_format_is_refused(robin):
    response = robin.post("/api/export/filtered", json={"format": "pdf"})

    assert (response.status_code, response.json()["error"]) == (
        400,
        "format: Input should be 'json', 'csv' or 'xlsx'",
    )
