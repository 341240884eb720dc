"""Download hand-off: ready, not ready, failed, expired, someone else's."""

from datetime import timedelta

import pytest

from timeport.clock import utc_now
from timeport.domain.users import Caller, create_user
from timeport.errors import Conflict, Gone, NotFound
from timeport.jobs import records
from timeport.jobs.export_runner import run_export
from timeport.jobs.exports import download_url, export_status
from timeport.jobs.gdpr_export import start_gdpr_export
from timeport.settings import get_settings


def user(name: str) -> Caller:
    created = create_user(name, f"{name}@example.com")
    return Caller(created.user_id, name, "user", "UTC")


def test_a_finished_export_downloads_until_seven_days_after_completion(aws, monkeypatch):
    owner = user("owner")
    job = start_gdpr_export(owner, "json", lambda payload: None)

    with pytest.raises(Conflict, match=r"not ready yet \(status: pending\)"):
        download_url(owner, job.job_id, aws)
    run_export(owner.user_id, job.job_id, aws)
    url = download_url(owner, job.job_id, aws)
    assert "X-Amz-Expires=300" in url

    status = export_status(owner, job.job_id)
    completed = records.JobRecord.get(owner.user_id, job.job_id).completed_at
    assert status["expires_at"] == (completed + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")

    later = utc_now() + timedelta(days=7, seconds=1)
    monkeypatch.setattr(records, "utc_now", lambda: later)
    with pytest.raises(Gone):
        download_url(owner, job.job_id, aws)
    assert export_status(owner, job.job_id)["is_expired"] is True


def test_another_users_export_is_not_found(aws):
    owner, stranger = user("owner"), user("stranger")
    job = start_gdpr_export(owner, "zip", lambda payload: None)
    run_export(owner.user_id, job.job_id, aws)

    with pytest.raises(NotFound):
        download_url(stranger, job.job_id, aws)


def test_an_export_whose_file_is_gone_answers_410_not_a_dead_link(aws):
    owner = user("owner")
    job = start_gdpr_export(owner, "json", lambda payload: None)
    run_export(owner.user_id, job.job_id, aws)
    stored = records.JobRecord.get(owner.user_id, job.job_id)
    aws.delete_object(Bucket=get_settings().bucket, Key=stored.s3_key)

    with pytest.raises(Gone, match="This export's file is no longer stored"):
        download_url(owner, job.job_id, aws)
