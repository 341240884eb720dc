"""Toggl and Harvest: mapping their real shapes, and reading their answers into typed errors."""

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from timeport.jobs.source_import import failure_message, month_windows
from timeport.sources import harvest, toggl
from timeport.sources.remote import SourceBusy, SourceRejected, SourceUnavailable

BERLIN = ZoneInfo("Europe/Berlin")


class CannedSession(requests.Session):
    """A session that answers every request with one prepared response."""

    def __init__(self, status: int, body=None, headers: dict | None = None):
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []
        self._status, self._body, self._headers = status, body, headers or {}

    def send(self, request, **kwargs):
        self.sent.append(request)
        response = requests.Response()
        response.status_code = self._status
        response._content = json.dumps(self._body).encode()
        response.headers.update(self._headers)
        response.request = request
        return response


def test_month_windows_cover_the_range_inclusively():
    assert month_windows(date(2024, 1, 15), date(2024, 3, 2)) == [
        ("2024-01-15", "2024-01-31"),
        ("2024-02-01", "2024-02-29"),
        ("2024-03-01", "2024-03-02"),
    ]
    assert month_windows(date(2024, 5, 5), date(2024, 5, 5)) == [("2024-05-05", "2024-05-05")]


def test_harvest_sample_pages_map_to_entries_in_the_users_time_zone(samples_dir):
    first = json.loads((samples_dir / "harvest_time_entries_page1.json").read_text())
    second = json.loads((samples_dir / "harvest_time_entries_page2.json").read_text())

    entries, skipped = harvest.to_entries(first["time_entries"], "1234567", BERLIN)
    later, later_skipped = harvest.to_entries(second["time_entries"], "1234567", BERLIN)

    assert (len(entries), skipped, len(later), later_skipped) == (10, 0, 5, 1)
    design = entries[0]
    assert (design.source_id, design.project_name, design.client_name, design.task_name) == (
        "1234567-2650000101",
        "Website Relaunch",
        "Demo Bakery Co",
        "Design",
    )
    assert (design.start, design.end) == (
        datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
        datetime(2025, 3, 3, 9, 30, tzinfo=UTC),
    )
    past_midnight = later[0]
    assert (past_midnight.start, past_midnight.end) == (
        datetime(2025, 3, 6, 22, 15, tzinfo=UTC),
        datetime(2025, 3, 7, 0, 5, tzinfo=UTC),
    )


def test_harvest_duration_entries_start_at_noon_and_never_slide_into_the_next_day():
    items = [
        {"id": 1, "spent_date": "2024-06-03", "hours": 2.5, "is_running": False},
        {"id": 2, "spent_date": "2024-06-03", "hours": 14.25, "is_running": False},
    ]

    short, long = harvest.to_entries(items, "9", BERLIN)[0]

    assert (short.start, short.end) == (
        datetime(2024, 6, 3, 10, 0, tzinfo=UTC),
        datetime(2024, 6, 3, 12, 30, tzinfo=UTC),
    )
    assert long.end == datetime(2024, 6, 3, 22, 0, tzinfo=UTC)  # midnight in Berlin
    assert (long.end - long.start).total_seconds() == 14.25 * 3600


def test_toggl_rows_flatten_and_skip_running_and_deleted_entries():
    rows = [
        {
            "project_id": 7,
            "project_name": "Website",
            "client_name": "Bakery",
            "description": "Hero",
            "billable": True,
            "tag_ids": [1],
            "tags": ["Design"],
            "time_entries": [
                {
                    "id": 11,
                    "seconds": 5400,
                    "start": "2025-03-03T09:00:00+01:00",
                    "stop": "2025-03-03T10:30:00+01:00",
                },
                {
                    "id": 12,
                    "seconds": -1741000000,
                    "start": "2025-03-03T11:00:00+01:00",
                    "stop": None,
                },
            ],
        },
        {
            "project_id": None,
            "description": "",
            "billable": False,
            "tag_ids": [],
            "time_entries": [
                {
                    "id": 13,
                    "seconds": 600,
                    "start": "2025-03-03T12:00:00Z",
                    "stop": "2025-03-03T12:10:00Z",
                    "server_deleted_at": "2025-03-04T00:00:00Z",
                },
                {
                    "id": 14,
                    "seconds": 600,
                    "start": "2025-03-03T13:00:00Z",
                    "stop": "2025-03-03T13:10:00Z",
                },
            ],
        },
    ]

    entries, skipped = toggl.rows_to_entries(rows, names=lambda: pytest.fail("names not needed"))

    assert skipped == 2
    assert [(e.source_id, e.project_name, e.tags, e.billable) for e in entries] == [
        ("11", "Website", ["Design"], True),
        ("14", None, [], False),
    ]
    assert entries[0].start == datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def test_toggl_names_come_from_the_workspace_lists_when_the_report_lacks_them(samples_dir):
    projects = json.loads((samples_dir / "toggl_projects.json").read_text())
    clients = {
        c["id"]: c["name"] for c in json.loads((samples_dir / "toggl_clients.json").read_text())
    }
    project = next(p for p in projects if p.get("client_id"))
    lookup = {
        "projects": {
            str(project["id"]): {"name": project["name"], "client": clients[project["client_id"]]}
        },
        "tags": {"5": "Backend"},
    }
    row = {
        "project_id": project["id"],
        "tag_ids": [5],
        "billable": True,
        "time_entries": [
            {
                "id": 1,
                "seconds": 60,
                "start": "2025-03-03T09:00:00Z",
                "stop": "2025-03-03T09:01:00Z",
            }
        ],
    }

    (entry,), _ = toggl.rows_to_entries([row], names=lambda: lookup)

    assert (entry.project_name, entry.client_name, entry.tags) == (
        project["name"],
        clients[project["client_id"]],
        ["Backend"],
    )


@pytest.mark.parametrize(
    ("status", "headers", "error", "wait"),
    [
        (
            402,
            {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1800"},
            SourceBusy,
            1800,
        ),
        (402, {}, SourceRejected, None),
        (429, {"Retry-After": "7"}, SourceBusy, 7),
        (503, {}, SourceUnavailable, None),
        (403, {}, SourceRejected, None),
    ],
)
def test_toggl_answers_become_the_error_the_state_machine_acts_on(status, headers, error, wait):
    session = CannedSession(status, {"message": "no"}, headers)
    client = toggl.TogglClient("secret-token", "42", "http://127.0.0.1:9", session)

    with pytest.raises(error) as raised:
        client.report_page("2025-03-01", "2025-03-31", None, names=dict)

    assert getattr(raised.value, "wait_seconds", None) == wait
    assert "secret-token" not in raised.value.message
    assert session.sent[0].headers["Authorization"].startswith("Basic ")


def test_harvest_sends_the_headers_it_requires_and_refuses_foreign_next_links():
    session = CannedSession(200, {"time_entries": [], "links": {"next": None}})
    client = harvest.HarvestClient("secret-token", "77", "http://127.0.0.1:9", session)

    page = client.page(client.first_page_url("2025-03-01", "2025-03-31"), "UTC")

    sent = session.sent[0]
    assert (
        sent.url == "http://127.0.0.1:9/v2/time_entries?from=2025-03-01&to=2025-03-31&per_page=2000"
    )
    assert (sent.headers["Authorization"], sent.headers["Harvest-Account-Id"]) == (
        "Bearer secret-token",
        "77",
    )
    assert sent.headers["User-Agent"].startswith("Timeport")
    assert page.next_url is None
    with pytest.raises(SourceRejected, match="another host"):
        client.page("http://127.0.0.2:9/v2/time_entries?page=2", "UTC")


def test_failure_messages_say_what_to_do_and_never_echo_internals():
    rejected = {
        "Error": "SourceRejected",
        "Cause": json.dumps(
            {"errorMessage": "Toggl refused the credentials (HTTP 403); check the token"}
        ),
    }
    unavailable = {
        "Error": "SourceUnavailable",
        "Cause": json.dumps({"errorMessage": "Toggl answered 502"}),
    }

    assert (
        failure_message("toggl", rejected)
        == "Toggl refused the credentials (HTTP 403); check the token"
    )
    assert failure_message("toggl", unavailable).startswith(
        "Toggl kept failing after several retries"
    )
    assert "KeyError" not in failure_message("harvest", {"Error": "KeyError", "Cause": "{}"})
