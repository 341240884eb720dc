"""Restores and imports never overlap: a restore waits for imports that are writing, imports
wait for a running restore, and an upload that lands during a restore is refused whole."""

from datetime import date

import pytest

from timeport.domain.entries import list_entries
from timeport.domain.users import Caller, create_user
from timeport.errors import Conflict
from timeport.jobs.csv_import import import_csv_object
from timeport.jobs.csv_uploads import accept_csv_file, start_csv_upload
from timeport.jobs.imports import import_status
from timeport.jobs.records import create_job, fail_job, release_lease, take_job
from timeport.jobs.restore_uploads import accept_restore_file, start_restore
from timeport.jobs.source_import import start_source_import
from timeport.settings import get_settings

CSV = b"project_name,start_time,duration_hours\nP,2024-01-01 09:00,1\n"
BACKUP = b"\x1f\x8b"  # never read: these tests stop before a restore worker runs


@pytest.fixture
def people(aws) -> tuple[Caller, Caller]:
    admin = create_user("boss", "boss@example.com", "admin")
    robin = create_user("robin", "robin@example.com")
    return (
        Caller(admin.user_id, admin.username, "admin", "UTC"),
        Caller(robin.user_id, robin.username, "user", "UTC"),
    )


def begin_restore(aws, admin: Caller):
    return start_restore(admin, accept_restore_file(admin, BACKUP, aws), lambda p: None, aws)


def test_no_import_starts_while_a_restore_runs(aws, people):
    admin, robin = people
    restore = begin_restore(aws, admin)
    refusal = f"An admin is restoring a backup (restore {restore.job_id}); start the import once"

    with pytest.raises(Conflict, match=refusal.replace("(", r"\(").replace(")", r"\)")):
        start_csv_upload(robin, "hours.csv", aws)
    with pytest.raises(Conflict, match="An admin is restoring a backup"):
        accept_csv_file(robin, "hours.csv", CSV, aws)
    # Refused before Toggl is called: the session would fail the test if it were used.
    with pytest.raises(Conflict, match="An admin is restoring a backup"):
        start_source_import(
            robin, "toggl", "1", "token", date(2024, 1, 1), date(2024, 1, 31), session=object()
        )


def test_imports_start_again_once_the_restore_worker_has_lost_its_lease(aws, people):
    admin, robin = people
    restore = begin_restore(aws, admin)
    assert take_job(admin.user_id, restore.job_id, lease_seconds=-1) is not None

    assert start_csv_upload(robin, "hours.csv", aws)["import_id"].startswith("imp_")


def test_a_restore_waits_for_imports_that_write_entries_but_not_for_unused_upload_urls(aws, people):
    admin, robin = people
    start_csv_upload(robin, "later.csv", aws)  # pending: its file has not come yet
    csv = take_job(robin.user_id, create_job(robin.user_id, "import", "csv").job_id, 900)
    toggl = create_job(robin.user_id, "import", "toggl")

    with pytest.raises(Conflict) as refusal:
        begin_restore(aws, admin)

    assert refusal.value.message == (
        f"2 import(s) are still writing entries (the newest is {toggl.job_id}); start the "
        "restore once they have finished"
    )
    fail_job(toggl, "stopped")
    release_lease(csv)  # its worker crashed; S3 will deliver the event again later
    assert begin_restore(aws, admin).job_type == "backup"


def test_an_upload_that_lands_during_a_restore_is_refused_whole(aws, people):
    admin, robin = people
    grant = start_csv_upload(robin, "hours.csv", aws)
    begin_restore(aws, admin)
    key = grant["fields"]["key"]
    aws.put_object(Bucket=get_settings().bucket, Key=key, Body=CSV)

    assert import_csv_object(robin.user_id, grant["import_id"], key, aws) == "failed"

    status = import_status(robin, grant["import_id"])
    assert (status["status"], status["successful_records"]) == ("failed", 0)
    assert status["error_message"] == (
        "A backup was being restored when this file arrived, so nothing was imported; ask for "
        "a new upload URL and send the file again"
    )
    assert list(list_entries(robin.user_id)) == []
