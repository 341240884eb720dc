"""Upload URLs are bound to one key, one content type and a size limit, and S3 (here the
embedded AWS with the local stack's POST policy checks) refuses anything else before storing it."""

import pytest

from tests.e2e.conftest import embedded_aws

UPLOAD_LIMIT_BYTES = 8 * 1024 * 1024
ROWS = b"project_name,start_time,duration_hours\nP,2024-01-01 09:00,1\n"


def stored_keys(local_stack: dict, prefix: str) -> list[str]:
    s3 = embedded_aws(local_stack, "s3")
    (bucket,) = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    return [
        item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    ]


def test_a_file_one_byte_over_the_limit_is_refused_and_nothing_is_stored(new_user, local_stack):
    user = new_user()
    grant = user.post("/api/import/csv/upload-url", json={"filename": "big.csv"}).json()
    assert grant["max_bytes"] == UPLOAD_LIMIT_BYTES
    too_big = ROWS + b"#" * (UPLOAD_LIMIT_BYTES + 1 - len(ROWS))

    refused = user.send_file(grant, too_big)

    assert refused.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in refused.text
    assert stored_keys(local_stack, f"uploads/csv/{user.user_id}/") == []
    assert user.get(f"/api/import/status/{grant['import_id']}").json()["status"] == "pending"

    accepted = user.send_file(grant, ROWS)
    assert accepted.status_code == 204
    finished = user.wait_for(f"/api/import/status/{grant['import_id']}")
    assert (finished["status"], finished["successful_records"]) == ("completed", 1)


def test_an_empty_file_is_refused_by_the_upload_url(new_user):
    user = new_user()
    grant = user.post("/api/import/csv/upload-url", json={"filename": "empty.csv"}).json()

    refused = user.send_file(grant, b"")

    assert refused.status_code == 400
    assert "<Code>EntityTooSmall</Code>" in refused.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("key", "uploads/csv/someone-else/other.csv"),
        ("Content-Type", "text/html"),
        ("policy", "eyJleHBpcmF0aW9uIjogIjIwOTktMDEtMDFUMDA6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbXX0="),
    ],
)
def test_an_upload_url_takes_no_other_key_content_type_or_policy(
    new_user, local_stack, field, value
):
    user = new_user()
    grant = user.post("/api/import/csv/upload-url", json={"filename": "mine.csv"}).json()
    tampered = {**grant, "fields": {**grant["fields"], field: value}}

    refused = user.send_file(tampered, ROWS)

    assert refused.status_code == 403
    assert stored_keys(local_stack, "uploads/csv/someone-else/") == []
    assert stored_keys(local_stack, f"uploads/csv/{user.user_id}/") == []


def test_a_restore_upload_url_has_the_same_limit(admin, local_stack):
    grant = admin.post("/api/backup/restore/upload-url").json()
    assert (grant["fields"]["Content-Type"], grant["max_bytes"]) == (
        "application/gzip",
        UPLOAD_LIMIT_BYTES,
    )

    refused = admin.send_file(grant, b"\x1f\x8b" + b"\0" * UPLOAD_LIMIT_BYTES)

    assert refused.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in refused.text
    assert grant["upload_key"] not in stored_keys(local_stack, "uploads/restore/")
