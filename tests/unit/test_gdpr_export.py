"""The GDPR export worker against moto: both layouts, streamed in parts, with exact contents."""

import csv
import io
import json
import zipfile

from timeport.domain.users import Caller, create_user
from timeport.jobs import csv_import
from timeport.jobs.csv_uploads import accept_csv_file
from timeport.jobs.export_runner import run_export
from timeport.jobs.exports import export_status
from timeport.jobs.gdpr_export import start_gdpr_export
from timeport.settings import get_settings
from timeport.storage import files

CSV = (
    "project_name,client_name,start_time,end_time,duration_hours,notes,tags,billable\n"
    "Website,Bakery,2024-03-01 09:00:00,2024-03-01 10:30:00,,=SUM(A1:A9),dev;ui,yes\n"
    "Website,Bakery,2024-03-02 14:00:00,,2.25,-rm -rf,,no\n"
)


def exported(aws, caller: Caller, export_format: str) -> tuple[dict, bytes]:
    started = []
    job = start_gdpr_export(caller, export_format, started.append)
    assert started == [{"user_id": caller.user_id, "export_id": job.job_id}]

    assert run_export(caller.user_id, job.job_id, aws) == "completed"

    status = export_status(caller, job.job_id)
    body = aws.get_object(
        Bucket=get_settings().bucket, Key=files.export_key(caller.user_id, job.job_id, job.filename)
    )["Body"].read()
    return status, body


def berlin_user_with_entries(aws) -> Caller:
    user = create_user("robin", "robin@example.com", "user", "Europe/Berlin")
    caller = Caller(user.user_id, "robin", "user", "Europe/Berlin")
    job = accept_csv_file(caller, "hours.csv", CSV.encode(), aws)
    csv_import.import_csv_object(caller.user_id, job.job_id, job.s3_key, aws)
    return caller


def test_json_export_holds_every_section_and_times_with_the_users_offset(aws):
    caller = berlin_user_with_entries(aws)

    status, body = exported(aws, caller, "json")

    document = json.loads(body)
    assert list(document) == [
        "export_info",
        "user_profile",
        "time_entries",
        "projects",
        "clients",
        "tasks",
        "expenses",
        "mileage",
        "comments",
        "focus_sessions",
        "saved_filters",
        "calendar_events",
        "weekly_goals",
    ]
    first, second = document["time_entries"]
    assert (first["start_time"], first["end_time"]) == (
        "2024-03-01T09:00:00+01:00",
        "2024-03-01T10:30:00+01:00",
    )
    assert (first["duration_seconds"], first["notes"], first["tags"], first["billable"]) == (
        5400,
        "=SUM(A1:A9)",
        ["dev", "ui"],
        True,
    )
    assert (second["duration_seconds"], second["billable"], second["source"]) == (
        8100,
        False,
        "csv",
    )
    assert document["user_profile"]["email"] == "robin@example.com"
    assert (status["status"], status["record_count"], status["file_size"]) == (
        "completed",
        4,
        len(body),
    )


def test_zip_export_has_the_json_and_one_safe_csv_per_non_empty_section(aws):
    caller = berlin_user_with_entries(aws)

    status, body = exported(aws, caller, "zip")

    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == ["export.json", "time_entries.csv", "projects.csv", "clients.csv"]
    raw = archive.read("time_entries.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row["notes"] for row in rows] == ["'=SUM(A1:A9)", "'-rm -rf"]
    assert [row["duration_seconds"] for row in rows] == ["5400", "8100"]
    assert json.loads(archive.read("export.json"))["time_entries"][0]["notes"] == "=SUM(A1:A9)"
    assert status["export_format"] == "zip"


def test_an_export_larger_than_one_part_is_uploaded_in_parts(aws):
    key = "exports/test/big.bin"
    payload = bytes(range(256)) * (48 * 1024)  # 12 MiB

    with files.S3StreamWriter(
        key, "application/octet-stream", aws, part_bytes=5 * 1024 * 1024
    ) as out:
        for offset in range(0, len(payload), 1_000_000):
            out.write(payload[offset : offset + 1_000_000])

    stored = aws.get_object(Bucket=get_settings().bucket, Key=key)
    assert stored["Body"].read() == payload
    assert stored["ETag"].endswith('-3"')


def test_a_failed_stream_leaves_no_object_behind(aws):
    key = "exports/test/broken.bin"
    try:
        with files.S3StreamWriter(
            key, "application/octet-stream", aws, part_bytes=5 * 1024 * 1024
        ) as out:
            out.write(b"x" * (6 * 1024 * 1024))
            raise RuntimeError("disk on fire")
    except RuntimeError:
        pass

    listing = aws.list_objects_v2(Bucket=get_settings().bucket, Prefix=key)
    assert listing["KeyCount"] == 0
    assert aws.list_multipart_uploads(Bucket=get_settings().bucket).get("Uploads", []) == []
