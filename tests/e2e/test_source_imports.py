"""Toggl and Harvest imports through the local stack: HTTP in, fake third parties on
127.0.0.1 with their real paging, rate limits and failures, the GDPR export out."""

import json
import secrets
from datetime import datetime

import pytest
import requests

from tests.e2e.conftest import embedded_aws
from tests.fakes import FakeHarvest, FakeToggl

pytestmark = pytest.mark.e2e


def exported_entries(user) -> list[dict]:
    export = user.post("/api/export/gdpr", json={"format": "json"}).json()
    user.wait_for(f"/api/export/status/{export['export_id']}")
    location = user.get(export["download_url"], allow_redirects=False).headers["Location"]
    return requests.get(location, timeout=30).json()["time_entries"]


def seconds_between(entry: dict) -> int:
    start, stop = (datetime.fromisoformat(entry[key]) for key in ("start", "stop"))
    return round((stop - start).total_seconds())


@pytest.fixture
def toggl(fake_toggl, local_stack):
    """The fake Toggl with a fresh token and 400 entries over Jan-Apr 2024."""
    fake_toggl.token = "toggl-" + secrets.token_hex(16)
    local_stack["never_logged"].add(fake_toggl.token)
    fake_toggl.entries = FakeToggl.generate_entries(400, "2024-01-01", 110, seed=7)
    fake_toggl.clear_requests()
    yield fake_toggl
    assert fake_toggl.pending_faults == []


@pytest.fixture
def harvest(fake_harvest, local_stack):
    fake_harvest.token = "harvest-" + secrets.token_hex(16)
    local_stack["never_logged"].add(fake_harvest.token)
    fake_harvest.entries = FakeHarvest.generate_entries(2300, "2024-03-01", 31, seed=3)
    fake_harvest.entries += FakeHarvest.generate_entries(
        60, "2024-04-01", 30, seed=4, first_id=3_000_000_001
    )
    fake_harvest.clear_requests()
    return fake_harvest


def toggl_body(fake, **changes) -> dict:
    body = {
        "api_token": fake.token,
        "workspace_id": str(fake.workspace_id),
        "start_date": "2024-01-01",
        "end_date": "2024-04-30",
    }
    return {**body, **changes}


def test_a_toggl_import_through_429s_and_a_quota_pause_stores_every_entry_once(
    new_user, toggl, local_stack
):
    user = new_user()
    finished = [e for e in toggl.entries if e["stop"] and not e.get("server_deleted_at")]
    running = [e for e in toggl.entries if e["stop"] is None and not e.get("server_deleted_at")]
    toggl.script("429", count=2, retry_after=1)
    toggl.script("402-quota", resets_in=2)

    started = user.post("/api/import/toggl", json=toggl_body(toggl))

    assert started.status_code == 202, started.text
    import_id = started.json()["import_id"]
    status = user.wait_for(f"/api/import/status/{import_id}")
    assert (status["import_type"], status["status"], status["waiting_for"]) == (
        "toggl",
        "completed",
        None,
    )
    assert (status["successful_records"], status["failed_records"], status["skipped_records"]) == (
        len(finished),
        0,
        len(running),
    )
    assert status["pages_done"] >= 8
    executions = executions_of(local_stack, import_id)
    assert len(executions) >= 3  # 4 tasks per execution here, so the import changed hands
    assert executions == [import_id] + [f"{import_id}-{n}" for n in range(1, len(executions))]
    entries = exported_entries(user)
    assert sorted(e["id"] for e in entries) == sorted(f"toggl-{e['id']}" for e in finished)
    assert sum(e["duration_seconds"] for e in entries) == sum(seconds_between(e) for e in finished)
    assert {e["source"] for e in entries} == {"toggl"}
    assert [e["project"] for e in entries].count(None) == sum(
        1 for e in finished if not e["project_id"]
    )
    # Toggl's "Internal Ops" has no client: it gets one of its own name, as a CSV row would.
    assert {e["client"] for e in entries if e["project"] == "Internal Ops"} == {"Internal Ops"}
    faults = [r.fault for r in toggl.requests if r.fault]
    assert faults.count("429") == 2 and "402-quota" in faults

    edited = finished[0]
    edited["description"] = "Corrected in Toggl after the first import"
    again = user.post("/api/import/toggl", json=toggl_body(toggl)).json()["import_id"]
    second = user.wait_for(f"/api/import/status/{again}")
    assert (second["status"], second["successful_records"], second["skipped_records"]) == (
        "completed",
        1,
        len(finished) - 1 + len(running),
    )
    after = {e["id"]: e for e in exported_entries(user)}
    assert len(after) == len(finished)
    assert (
        after[f"toggl-{edited['id']}"]["notes"],
        after[f"toggl-{edited['id']}"]["import_id"],
    ) == (
        "Corrected in Toggl after the first import",
        again,
    )
    unchanged = {e["id"]: e for e in entries}
    del unchanged[f"toggl-{edited['id']}"]
    assert all(after[entry_id] == entry for entry_id, entry in unchanged.items())

    assert_token_appears_nowhere(toggl.token, local_stack, user.user_id)


def test_toggl_5xx_and_dropped_connections_are_retried(new_user, toggl):
    user = new_user()
    toggl.entries = FakeToggl.generate_entries(60, "2024-02-01", 20, seed=9)
    expected = [e for e in toggl.entries if e["stop"] and not e.get("server_deleted_at")]
    toggl.script("500", count=2)
    toggl.script("drop")

    import_id = user.post(
        "/api/import/toggl", json=toggl_body(toggl, start_date="2024-02-01", end_date="2024-02-29")
    ).json()["import_id"]

    status = user.wait_for(f"/api/import/status/{import_id}")
    assert (status["status"], status["successful_records"]) == ("completed", len(expected))


def test_a_toggl_plan_without_the_report_fails_the_job_saying_why(new_user, toggl):
    user = new_user()
    toggl.script("402-plan")

    import_id = user.post("/api/import/toggl", json=toggl_body(toggl)).json()["import_id"]

    status = user.wait_for(f"/api/import/status/{import_id}")
    assert status["status"] == "failed"
    assert status["error_message"] == (
        "Toggl refused the request (402): this workspace's plan does not include it"
    )


def test_a_refused_toggl_token_answers_400_and_starts_nothing(new_user, toggl):
    user = new_user()

    response = user.post("/api/import/toggl", json=toggl_body(toggl, api_token="wrong-token"))

    assert response.status_code == 400
    assert response.json()["error"].startswith("Toggl did not accept these credentials")
    assert "wrong-token" not in response.text
    assert user.get("/api/import/history").json() == {"imports": [], "next_before": None}


def test_a_harvest_account_id_the_token_does_not_belong_to_is_named_in_the_answer(
    new_user, harvest
):
    body = {
        "account_id": "999999",
        "api_token": harvest.token,
        "start_date": "2024-03-01",
        "end_date": "2024-03-31",
    }

    response = new_user().post("/api/import/harvest", json=body)

    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "Harvest did not accept these credentials: Harvest refused the credentials "
            "(HTTP 401); check the token and the account id"
        },
    )


def test_a_workspace_the_token_cannot_see_answers_400_naming_the_workspace(new_user, toggl):
    response = new_user().post("/api/import/toggl", json=toggl_body(toggl, workspace_id="1"))

    assert response.status_code == 400
    assert "workspace 1 is not one this token can see" in response.json()["error"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"api_token": "abc\r\nX-Injected: 1"}, "api_token: must be the token as shown"),
        ({"api_token": ""}, "api_token: must be the token as shown"),
        ({"end_date": "2023-12-31"}, "end_date: must not be before start_date"),
        ({"start_date": "2024-02-30"}, "start_date: Input should be a valid date"),
        ({"workspace_id": "abc"}, "workspace_id: String should match pattern"),
    ],
)
def test_bad_toggl_requests_name_the_field(new_user, toggl, changes, message):
    response = new_user().post("/api/import/toggl", json=toggl_body(toggl, **changes))

    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_a_harvest_import_over_several_cursor_pages_stores_every_entry_once(
    new_user, harvest, local_stack
):
    user = new_user("America/New_York")
    finished = [e for e in harvest.entries if not e["is_running"]]
    harvest.script("429", retry_after=1)
    body = {
        "account_id": harvest.account_id,
        "api_token": harvest.token,
        "start_date": "2024-03-01",
        "end_date": "2024-04-30",
    }

    import_id = user.post("/api/import/harvest", json=body).json()["import_id"]

    status = user.wait_for(f"/api/import/status/{import_id}")
    assert (status["status"], status["successful_records"], status["skipped_records"]) == (
        "completed",
        len(finished),
        len(harvest.entries) - len(finished),
    )
    assert status["pages_done"] == 3
    entries = exported_entries(user)
    assert sorted(e["id"] for e in entries) == sorted(
        f"harvest-{harvest.account_id}-{e['id']}" for e in finished
    )
    assert sum(e["duration_seconds"] for e in entries) == sum(harvest_seconds(e) for e in finished)
    pages = [r for r in harvest.requests if r.path == "/v2/time_entries" and r.status == 200]
    assert len(pages) == 3
    assert all(r.headers["Harvest-Account-Id"] == harvest.account_id for r in pages)

    again = user.post("/api/import/harvest", json=body).json()["import_id"]
    second = user.wait_for(f"/api/import/status/{again}")
    assert (second["status"], second["successful_records"], second["skipped_records"]) == (
        "completed",
        0,
        len(harvest.entries),
    )
    assert exported_entries(user) == entries

    assert_token_appears_nowhere(harvest.token, local_stack, user.user_id)


def executions_of(local_stack: dict, import_id: str) -> list[str]:
    """Names of the executions that carried one import, oldest first."""
    stepfunctions = embedded_aws(local_stack, "stepfunctions")
    (machine,) = [
        machine
        for machine in stepfunctions.list_state_machines()["stateMachines"]
        if machine["name"].endswith("-source-import")
    ]
    executions = stepfunctions.list_executions(stateMachineArn=machine["stateMachineArn"])
    names = [e["name"] for e in executions["executions"] if e["name"].startswith(import_id)]
    return sorted(names, key=lambda name: (len(name), name))


def harvest_seconds(entry: dict) -> int:
    """What an entry lasts: its clock times when it has them, else its exact hours."""
    if entry["started_time"] and entry["ended_time"]:
        start, end = (
            datetime.strptime(entry[key], "%I:%M%p") for key in ("started_time", "ended_time")
        )
        return int((end - start).total_seconds()) % 86400
    return round(entry["hours"] * 3600)


def assert_token_appears_nowhere(token: str, local_stack: dict, user_id: str) -> None:
    """Not in a log line, not in a job record, not in any execution's history."""
    assert token not in local_stack["log_path"].read_text()

    dynamodb = embedded_aws(local_stack, "dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            assert token not in json.dumps(page["Items"], default=str)

    stepfunctions = embedded_aws(local_stack, "stepfunctions")
    (machine,) = [
        machine
        for machine in stepfunctions.list_state_machines()["stateMachines"]
        if machine["name"].endswith("-source-import")
    ]
    executions = stepfunctions.list_executions(stateMachineArn=machine["stateMachineArn"])[
        "executions"
    ]
    assert executions
    for execution in executions:
        history = stepfunctions.get_execution_history(executionArn=execution["executionArn"])
        assert token not in json.dumps(history["events"], default=str)
    remaining = dynamodb.scan(
        TableName=[t for t in dynamodb.list_tables()["TableNames"] if "Jobs" in t][0]
    )
    assert not [
        item
        for item in remaining["Items"]
        if item["job_id"]["S"].startswith("cred_") and item["user_id"]["S"] == user_id
    ]
