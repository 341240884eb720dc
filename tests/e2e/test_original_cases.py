"""The original TimeTracker's import/export test cases, ported with exact expected answers."""

import pytest

pytestmark = pytest.mark.e2e

GUIDE_CSV = (
    b"project_name,client_name,task_name,start_time,end_time,duration_hours,notes,tags,billable\n"
    b"Project A,Client A,Task 1,2024-01-01 09:00:00,2024-01-01 10:30:00,1.5,Meeting notes,"
    b"meeting;planning,true\n"
    b"Project B,Client B,,2024-01-01 14:00:00,2024-01-01 16:00:00,2.0,Development work,"
    b"dev;coding,true\n"
)


def test_csv_import_succeeds_and_reports_completed_counts(new_user):
    user = new_user()

    response = user.post("/api/import/csv", files={"file": ("test.csv", GUIDE_CSV, "text/csv")})

    assert response.status_code == 202
    body = response.json()
    assert body["success"] is True
    assert body["import_id"].startswith("imp_")
    status = user.wait_for(f"/api/import/status/{body['import_id']}")
    assert {
        key: status[key]
        for key in (
            "import_type",
            "status",
            "total_records",
            "successful_records",
            "failed_records",
            "errors",
        )
    } == {
        "import_type": "csv",
        "status": "completed",
        "total_records": 2,
        "successful_records": 2,
        "failed_records": 0,
        "errors": [],
    }
    assert status["started_at"] and status["completed_at"]


def test_csv_import_without_a_file_is_refused(new_user):
    response = new_user().post("/api/import/csv", files={"other": ("x.csv", b"a", "text/csv")})

    assert response.status_code == 400
    assert response.json() == {"error": "No file provided: send the CSV in the field 'file'"}


def test_csv_import_of_another_file_type_is_refused(new_user):
    response = new_user().post(
        "/api/import/csv", files={"file": ("test.txt", b"data", "text/plain")}
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "Only CSV files can be imported: the file name must end in .csv"
    }


def test_csv_import_over_4_mb_points_to_the_upload_url_route(new_user):
    big = b"project_name,start_time,duration_hours\n" + b"P,2024-01-01,1\n" * 300_000

    response = new_user().post("/api/import/csv", files={"file": ("big.csv", big, "text/csv")})

    assert response.status_code == 413
    assert "/api/import/csv/upload-url" in response.json()["error"]


@pytest.mark.parametrize(("export_format", "extension"), [("json", "json"), ("zip", "zip")])
def test_gdpr_export_starts_in_both_formats(new_user, export_format, extension):
    user = new_user()

    response = user.post("/api/export/gdpr", json={"format": export_format})

    assert response.status_code == 202
    body = response.json()
    assert body["success"] is True
    assert body["filename"].startswith("gdpr_export_user")
    assert body["filename"].endswith(f".{extension}")
    status = user.wait_for(f"/api/export/status/{body['export_id']}")
    assert (status["export_type"], status["export_format"], status["status"]) == (
        "gdpr",
        export_format,
        "completed",
    )
    assert status["is_expired"] is False


def test_gdpr_export_in_an_unknown_format_is_refused(new_user):
    response = new_user().post("/api/export/gdpr", json={"format": "xml"})

    assert response.status_code == 400
    assert response.json()["error"] == "format: Input should be 'json' or 'zip'"


def test_import_history_lists_the_callers_imports_newest_first(new_user):
    user = new_user()
    first = user.post("/api/import/csv", files={"file": ("a.csv", GUIDE_CSV, "text/csv")}).json()
    second = user.post("/api/import/csv", files={"file": ("b.csv", GUIDE_CSV, "text/csv")}).json()

    response = user.get("/api/import/history")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["imports"]] == [
        second["import_id"],
        first["import_id"],
    ]
    assert [item["source_file"] for item in response.json()["imports"]] == ["b.csv", "a.csv"]


def test_export_history_lists_the_callers_exports(new_user):
    user = new_user()
    export_id = user.post("/api/export/gdpr", json={"format": "json"}).json()["export_id"]

    response = user.get("/api/export/history")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["exports"]] == [export_id]


def test_download_of_an_unknown_export_is_not_found(new_user):
    response = new_user().get("/api/export/download/exp_00000000000000000000000000")

    assert response.status_code == 404
    assert response.json() == {"error": "No export with id 'exp_00000000000000000000000000'"}


def test_the_csv_template_is_served_as_utf8_csv(new_user):
    response = new_user().get("/api/import/template/csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines()[0] == (
        "project_name,client_name,task_name,start_time,end_time,duration_hours,notes,tags,billable"
    )
