"""Tests of the fake Toggl and Harvest servers themselves: paging, auth, date ranges, faults."""

import json
import time
from datetime import UTC, date, datetime

import pytest
import requests
from urllib3.util import SKIP_HEADER

from tests.fakes import FakeHarvest, FakeToggl
from tests.fakes.harvest import INVALID_TOKEN_BODY

TIMEOUT = 5


# -- helpers ---------------------------------------------------------------------------------


def toggl_get(fake, path, **kwargs):
    kwargs.setdefault("auth", (fake.token, "api_token"))
    return requests.get(f"{fake.base_url}{path}", timeout=TIMEOUT, **kwargs)


def toggl_search(fake, body, **kwargs):
    url = f"{fake.base_url}/reports/api/v3/workspace/{fake.workspace_id}/search/time_entries"
    kwargs.setdefault("auth", (fake.token, "api_token"))
    kwargs.setdefault("timeout", TIMEOUT)
    return requests.post(url, json=body, **kwargs)


def toggl_report(fake, body, *, use_first_id=True):
    """Every page of a report, following X-Next-* the way a client would."""
    body = dict(body)
    pages = []
    while True:
        response = toggl_search(fake, body)
        assert response.status_code == 200, response.text
        pages.append(response)
        if "X-Next-Row-Number" not in response.headers:
            return pages
        body["first_row_number"] = int(response.headers["X-Next-Row-Number"])
        if use_first_id:
            body["first_id"] = int(response.headers["X-Next-ID"])
            body["first_timestamp"] = int(response.headers["X-Next-Timestamp"])
        assert len(pages) < 100, "the report does not end"


def entry_ids(pages):
    return [te["id"] for page in pages for row in page.json() for te in row["time_entries"]]


def expected_report_ids(entries, start, end):
    kept = [
        e
        for e in entries
        if not e["server_deleted_at"]
        and date.fromisoformat(start)
        <= datetime.fromisoformat(e["start"]).astimezone(UTC).date()
        <= date.fromisoformat(end)
    ]
    kept.sort(key=lambda e: (datetime.fromisoformat(e["start"]), e["id"]))
    return [e["id"] for e in kept]


def harvest_headers(fake, **changes):
    headers = {
        "Authorization": f"Bearer {fake.token}",
        "Harvest-Account-Id": str(fake.account_id),
        "User-Agent": "Timeport tests (dev@example.com)",
    }
    headers.update(changes)
    return headers


def harvest_get(fake, url, **changes):
    if url.startswith("/"):
        url = f"{fake.base_url}{url}"
    return requests.get(url, headers=harvest_headers(fake, **changes), timeout=TIMEOUT)


def harvest_all_pages(fake, first_url):
    pages, url = [], first_url
    while url:
        response = harvest_get(fake, url)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = pages[-1]["links"]["next"]
        assert len(pages) < 100, "the listing does not end"
    return pages


# -- fixtures --------------------------------------------------------------------------------

TOGGL_ENTRIES = FakeToggl.generate_entries(137, "2025-03-01", 20, seed=7)
HARVEST_ENTRIES = FakeHarvest.generate_entries(45, "2025-03-01", 14, seed=5)


@pytest.fixture
def toggl():
    with FakeToggl(entries=TOGGL_ENTRIES) as fake:
        yield fake


@pytest.fixture
def harvest():
    with FakeHarvest(entries=HARVEST_ENTRIES) as fake:
        yield fake


@pytest.fixture
def toggl_samples(samples_dir):
    def load(name):
        return json.loads((samples_dir / name).read_text(encoding="utf-8"))

    fake = FakeToggl(
        entries=load("toggl_v9_time_entries.json"),
        projects=load("toggl_projects.json"),
        clients=load("toggl_clients.json"),
    )
    with fake:
        yield fake


# -- Toggl: server basics and authentication -------------------------------------------------


def test_toggl_binds_loopback_on_a_free_port_and_stops():
    fake = FakeToggl()
    base_url = fake.start()
    try:
        assert base_url.startswith("http://127.0.0.1:")
        assert int(base_url.rsplit(":", 1)[1]) > 0
        assert toggl_get(fake, "/api/v9/me").status_code == 200
    finally:
        fake.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base_url}/api/v9/me", timeout=1)


def test_toggl_me_accepts_only_the_token_with_api_token_password(toggl):
    me = toggl_get(toggl, "/api/v9/me")
    assert me.status_code == 200
    user = me.json()
    assert user["default_workspace_id"] == toggl.workspace_id
    assert {"id", "email", "fullname", "timezone"} <= set(user)

    assert toggl_get(toggl, "/api/v9/me", auth=("wrong-token", "api_token")).status_code == 403
    assert toggl_get(toggl, "/api/v9/me", auth=(toggl.token, "password")).status_code == 403
    assert toggl_get(toggl, "/api/v9/me", auth=None).status_code == 403
    bearer = {"Authorization": f"Bearer {toggl.token}"}
    assert toggl_get(toggl, "/api/v9/me", auth=None, headers=bearer).status_code == 403


def test_toggl_workspace_lists_and_foreign_workspace(toggl):
    wid = toggl.workspace_id
    projects = toggl_get(toggl, f"/api/v9/workspaces/{wid}/projects").json()
    all_projects = toggl_get(toggl, f"/api/v9/workspaces/{wid}/projects?active=both").json()
    assert all(p["active"] for p in projects)
    assert len(all_projects) == len(projects) + 1
    assert any(p["status"] == "archived" and p["active"] is False for p in all_projects)

    clients = toggl_get(toggl, f"/api/v9/workspaces/{wid}/clients").json()
    all_clients = toggl_get(toggl, f"/api/v9/workspaces/{wid}/clients?status=both").json()
    assert not any(c["archived"] for c in clients)
    assert len(all_clients) == len(clients) + 1

    tags = toggl_get(toggl, f"/api/v9/workspaces/{wid}/tags").json()
    assert tags and all(set(t) >= {"id", "workspace_id", "name", "at"} for t in tags)

    for kind in ("projects?active=both", "clients?status=both", "tags"):
        assert toggl_get(toggl, f"/api/v9/workspaces/{wid + 1}/{kind}").status_code == 403
    other = f"/reports/api/v3/workspace/{wid + 1}/search/time_entries"
    response = requests.post(
        f"{toggl.base_url}{other}",
        json={"start_date": "2025-03-01", "end_date": "2025-03-02"},
        auth=(toggl.token, "api_token"),
        timeout=TIMEOUT,
    )
    assert response.status_code == 403


# -- Toggl: the detailed report ----------------------------------------------------------


@pytest.mark.parametrize("use_first_id", [True, False], ids=["first_id", "row_number_only"])
def test_toggl_report_pages_every_entry_once_in_start_id_order(toggl, use_first_id):
    body = {"start_date": "2025-03-01", "end_date": "2025-03-20"}
    pages = toggl_report(toggl, body, use_first_id=use_first_id)

    expected = expected_report_ids(TOGGL_ENTRIES, "2025-03-01", "2025-03-20")
    assert entry_ids(pages) == expected
    sizes = [len(page.json()) for page in pages]
    assert sizes[:-1] == [50] * (len(pages) - 1)
    assert 0 < sizes[-1] < 50
    rows = [row for page in pages for row in page.json()]
    assert [row["row_number"] for row in rows] == list(range(1, len(rows) + 1))
    assert not any(h.startswith("X-Next") for h in pages[-1].headers)
    sent = [r.json for r in toggl.requests if r.path.endswith("/search/time_entries")]
    assert len(sent) == len(pages)
    assert sent[1]["first_row_number"] == 51


def test_toggl_report_caps_page_size_at_50(toggl):
    response = toggl_search(
        toggl, {"start_date": "2025-03-01", "end_date": "2025-03-20", "page_size": 200}
    )
    assert len(response.json()) == 50
    assert "X-Next-ID" in response.headers

    small = toggl_search(
        toggl, {"start_date": "2025-03-01", "end_date": "2025-03-20", "page_size": 7}
    )
    assert len(small.json()) == 7
    assert toggl_search(toggl, {"start_date": "2025-03-01", "page_size": -1}).status_code == 400


def test_toggl_report_date_range_is_inclusive_on_the_start_date(toggl_samples):
    def ids(start, end):
        return entry_ids(toggl_report(toggl_samples, {"start_date": start, "end_date": end}))

    # 3812000006 starts 2025-03-06 22:15 UTC and ends after midnight: it belongs to the 6th.
    assert ids("2025-03-06", "2025-03-06") == [3812000004, 3812000005, 3812000006]
    assert ids("2025-03-07", "2025-03-07") == [3812000008, 3812000007]
    assert ids("2025-03-08", "2025-03-09") == []


def test_toggl_report_includes_running_and_omits_deleted(toggl_samples):
    rows = [
        row
        for page in toggl_report(
            toggl_samples, {"start_date": "2025-03-03", "end_date": "2025-03-14"}
        )
        for row in page.json()
    ]
    entries = {te["id"]: te for row in rows for te in row["time_entries"]}
    assert len(entries) == 9
    assert 3812000002 not in entries  # deleted
    running = entries[3812000010]
    assert running["stop"] is None and running["seconds"] < 0
    assert running["start"] == "2025-03-10T13:05:41+00:00"
    row = next(r for r in rows if r["time_entries"][0]["id"] == 3812000001)
    assert row["hourly_rate_in_cents"] == 8000 and row["currency"] == "EUR"
    assert row["billable_amount_in_cents"] == 12000  # 1.5 h at 80.00
    assert row["username"] == "Robin Sample" and row["tag_ids"] == [17000001, 17000004]


def test_toggl_report_rejects_ranges_over_366_days(toggl):
    ok = toggl_search(toggl, {"start_date": "2024-01-01", "end_date": "2024-12-31"})
    assert ok.status_code == 200
    too_long = toggl_search(toggl, {"start_date": "2024-01-01", "end_date": "2025-01-01"})
    assert too_long.status_code == 400
    assert "366" in too_long.text
    backwards = toggl_search(toggl, {"start_date": "2025-03-02", "end_date": "2025-03-01"})
    assert backwards.status_code == 400


def test_toggl_report_enrichment_can_be_switched_off(toggl_samples, samples_dir):
    body = {"start_date": "2025-03-03", "end_date": "2025-03-03", "enrich_response": True}
    row = toggl_search(toggl_samples, body).json()[0]
    assert row["project_name"] == "Website Relaunch"
    assert row["client_name"] == "Demo Bakery Co"
    assert row["tags"] == ["Development", "Design"]
    plain = toggl_search(toggl_samples, {**body, "enrich_response": False}).json()[0]
    assert "project_name" not in plain and "tags" not in plain

    entries = json.loads((samples_dir / "toggl_v9_time_entries.json").read_text(encoding="utf-8"))
    with FakeToggl(entries=entries, enrich_names=False) as bare:
        row = toggl_search(bare, body).json()[0]
    assert {"project_name", "client_name", "tags"}.isdisjoint(row)
    assert row["project_id"] == 201000101 and row["tag_ids"] == [17000001, 17000004]


def v9_entry(entry_id, start, description="Checkout styling", seconds=600):
    started = datetime.fromisoformat(start)
    return {
        "id": entry_id,
        "workspace_id": 7654321,
        "project_id": 201000101,
        "task_id": None,
        "billable": True,
        "start": start,
        "stop": datetime.fromtimestamp(started.timestamp() + seconds, UTC).isoformat(),
        "duration": seconds,
        "description": description,
        "tags": ["Design"],
        "tag_ids": [17000004],
        "server_deleted_at": None,
        "user_id": 9876543,
    }


def test_toggl_report_groups_rows_on_request():
    entries = [
        v9_entry(10, "2025-03-04T08:00:00+00:00"),
        v9_entry(11, "2025-03-04T09:00:00+00:00"),
        v9_entry(20, "2025-03-04T09:30:00+00:00", description="Something else"),
        v9_entry(12, "2025-03-04T10:00:00+00:00"),
    ]
    body = {"start_date": "2025-03-04", "end_date": "2025-03-04"}
    with FakeToggl(entries=entries) as fake:
        assert [len(r["time_entries"]) for r in toggl_search(fake, body).json()] == [1, 1, 1, 1]
        grouped = toggl_search(fake, {**body, "grouped": True}).json()
    assert [[te["id"] for te in r["time_entries"]] for r in grouped] == [[10, 11, 12], [20]]
    assert [r["row_number"] for r in grouped] == [1, 2]
    assert grouped[0]["billable_amount_in_cents"] == 4000  # 30 min at 80.00
    with FakeToggl(entries=entries, grouped=True) as forced:
        assert len(toggl_search(forced, body).json()) == 2


def test_toggl_generate_entries_is_realistic_and_deterministic():
    entries = FakeToggl.generate_entries(60, "2025-03-01", 10, seed=1)
    assert entries == FakeToggl.generate_entries(60, date(2025, 3, 1), 10, seed=1)
    assert entries != FakeToggl.generate_entries(60, "2025-03-01", 10, seed=2)
    assert len(entries) == 60 and len({e["id"] for e in entries}) == 60
    assert any(e["project_id"] is None and "pid" not in e for e in entries)
    running = [e for e in entries if e["stop"] is None]
    assert running and all(
        e["duration"] == -int(datetime.fromisoformat(e["start"]).timestamp()) for e in running
    )
    assert any(e["server_deleted_at"] for e in entries)
    assert any(e["tags"] is None for e in entries)
    crossing = [e for e in entries if e["stop"] and e["stop"][:10] != e["start"][:10]]
    assert crossing
    days = {e["start"][:10] for e in entries}
    assert min(days) >= "2025-03-01" and max(days) <= "2025-03-10"


# -- Toggl: scripted faults ------------------------------------------------------------------

REPORT = {"start_date": "2025-03-01", "end_date": "2025-03-20"}


def test_toggl_429_then_normal(toggl):
    toggl.script("429", retry_after=3)
    assert toggl_get(toggl, "/api/v9/me").status_code == 200  # /me is not a data request
    limited = toggl_search(toggl, REPORT)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert toggl_search(toggl, REPORT).status_code == 200
    assert toggl.pending_faults == []
    assert [(r.status, r.fault) for r in toggl.requests] == [
        (200, None),
        (429, "429"),
        (200, None),
    ]


def test_toggl_500_applies_to_exactly_count_requests(toggl):
    toggl.script("500", count=2)
    statuses = [toggl_search(toggl, REPORT).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_toggl_drop_closes_the_connection_without_an_answer(toggl):
    toggl.script("drop")
    with pytest.raises(requests.ConnectionError):
        toggl_search(toggl, REPORT)
    assert toggl_search(toggl, REPORT).status_code == 200
    dropped = toggl.requests[0]
    assert dropped.status is None and dropped.fault == "drop"


def test_toggl_stall_delays_then_answers(toggl):
    toggl.script("stall", seconds=0.4)
    started = time.monotonic()
    assert toggl_search(toggl, REPORT).status_code == 200
    assert time.monotonic() - started >= 0.4
    toggl.script("stall", seconds=2)
    with pytest.raises(requests.ReadTimeout):
        toggl_search(toggl, REPORT, timeout=0.2)


def test_toggl_quota_402_lasts_until_the_window_resets(toggl):
    toggl.script("402-quota", resets_in=1)
    first = toggl_search(toggl, REPORT)
    assert first.status_code == 402
    assert first.headers["X-Toggl-Quota-Remaining"] == "0"
    assert first.headers["X-Toggl-Quota-Resets-In"] == "1"
    again = toggl_get(toggl, f"/api/v9/workspaces/{toggl.workspace_id}/tags")
    assert again.status_code == 402
    assert again.headers["X-Toggl-Quota-Resets-In"] == "1"
    assert "quota will reset in 1 seconds" in again.text
    assert toggl_get(toggl, "/api/v9/me").status_code == 200
    assert toggl.pending_faults == []
    time.sleep(1.05)
    assert toggl_search(toggl, REPORT).status_code == 200
    assert [r.fault for r in toggl.requests] == ["402-quota", "402-quota", None, None]


def test_toggl_quota_402_reaches_me_only_with_include_me(toggl):
    toggl.script("402-quota", resets_in=5, include_me=True)
    me = toggl_get(toggl, "/api/v9/me")
    assert me.status_code == 402 and me.headers["X-Toggl-Quota-Resets-In"] == "5"
    assert toggl_search(toggl, REPORT).status_code == 402
    assert toggl_get(toggl, "/api/v9/me").status_code == 402


def test_toggl_plan_402_has_no_quota_headers(toggl):
    toggl.script("402-plan")
    response = toggl_search(toggl, REPORT)
    assert response.status_code == 402
    assert not any(h.startswith("X-Toggl-Quota") for h in response.headers)
    assert "plan" in response.json()
    assert toggl_search(toggl, REPORT).status_code == 200


def test_toggl_faults_reach_me_only_with_include_me(toggl):
    toggl.script("500", include_me=True)
    assert toggl_get(toggl, "/api/v9/me").status_code == 500
    assert toggl_get(toggl, "/api/v9/me").status_code == 200


def test_faults_are_not_used_up_by_rejected_credentials(toggl):
    toggl.script("500")
    assert toggl_search(toggl, REPORT, auth=("bad", "api_token")).status_code == 403
    assert toggl.pending_faults == [("500", 1)]
    assert toggl_search(toggl, REPORT).status_code == 500


def test_request_log_records_bodies_and_redacts_authorization(toggl):
    toggl_get(toggl, f"/api/v9/workspaces/{toggl.workspace_id}/projects?active=both")
    toggl_search(toggl, {**REPORT, "page_size": 10})
    listing, search = toggl.requests
    assert listing.method == "GET" and listing.query_string == "active=both"
    assert listing.query == {"active": "both"} and listing.json is None
    assert search.method == "POST" and search.json == {**REPORT, "page_size": 10}
    assert search.headers["Authorization"] == "<redacted>"
    assert toggl.token not in repr(toggl.requests)
    toggl.clear_requests()
    assert toggl.requests == []


def test_script_rejects_unknown_kinds_and_options(toggl, harvest):
    with pytest.raises(ValueError):
        toggl.script("503")
    with pytest.raises(TypeError):
        toggl.script("429", seconds=3)
    with pytest.raises(ValueError):
        toggl.script("500", count=0)
    with pytest.raises(ValueError):
        harvest.script("402-quota")
    assert toggl.pending_faults == [] and harvest.pending_faults == []


# -- Harvest: authentication -----------------------------------------------------------------


def test_harvest_authentication(harvest):
    me = harvest_get(harvest, "/v2/users/me")
    assert me.status_code == 200
    assert {"id", "first_name", "last_name", "email", "timezone"} <= set(me.json())

    assert harvest_get(harvest, "/v2/users/me", **{"User-Agent": SKIP_HEADER}).status_code == 400
    for changes in (
        {"Authorization": "Bearer wrong"},
        {"Authorization": harvest.token},
        {"Harvest-Account-Id": "999"},
        {"Harvest-Account-Id": None},
        {"Authorization": None},
    ):
        response = harvest_get(harvest, "/v2/time_entries", **changes)
        assert response.status_code == 401, changes
        assert response.json() == INVALID_TOKEN_BODY


# -- Harvest: listing and paging -------------------------------------------------------------


def test_harvest_follows_links_next_to_every_entry_once(harvest):
    first = f"{harvest.base_url}/v2/time_entries?from=2025-03-01&to=2025-03-14&per_page=20"
    pages = harvest_all_pages(harvest, first)

    assert [len(p["time_entries"]) for p in pages] == [20, 20, 5]
    ids = [e["id"] for p in pages for e in p["time_entries"]]
    expected = sorted(HARVEST_ENTRIES, key=lambda e: (e["spent_date"], e["id"]))
    assert ids == [e["id"] for e in expected]
    assert [(p["page"], p["next_page"], p["previous_page"]) for p in pages] == [
        (1, 2, None),
        (None, None, None),  # fetched by cursor, neither first nor last
        (3, None, 2),
    ]
    assert all(p["total_entries"] == 45 and p["total_pages"] == 3 for p in pages)
    assert pages[-1]["links"]["next"] is None
    for link in (pages[0]["links"]["next"], pages[1]["links"]["next"]):
        assert link.startswith(f"{harvest.base_url}/v2/time_entries?cursor=")
        assert "from=2025-03-01" in link and "to=2025-03-14" in link and "per_page=20" in link
    queries = [r.query for r in harvest.requests]
    assert [q.get("ref") for q in queries] == [None, "next_cursor", "next_cursor"]


def test_harvest_previous_and_page_links(harvest):
    base = f"{harvest.base_url}/v2/time_entries?from=2025-03-01&to=2025-03-14&per_page=20"
    last = harvest_all_pages(harvest, base)[-1]
    previous = harvest_get(harvest, last["links"]["previous"]).json()
    page_two = harvest_get(harvest, f"{base}&page=2").json()
    assert previous["time_entries"] == page_two["time_entries"]
    assert (page_two["page"], page_two["next_page"], page_two["previous_page"]) == (2, 3, 1)
    by_last = harvest_get(harvest, last["links"]["last"]).json()
    assert by_last["time_entries"] == last["time_entries"]


def test_harvest_reproduces_the_sample_pages(samples_dir):
    pages = [
        json.loads((samples_dir / f"harvest_time_entries_page{n}.json").read_text(encoding="utf-8"))
        for n in (1, 2)
    ]
    entries = pages[0]["time_entries"] + pages[1]["time_entries"]
    with FakeHarvest(entries=entries) as fake:
        url = f"{fake.base_url}/v2/time_entries?from=2025-03-03&to=2025-03-14&per_page=10"
        served = harvest_all_pages(fake, url)
        base_url = fake.base_url
    as_real = json.loads(json.dumps(served).replace(base_url, "https://api.harvestapp.com"))
    assert as_real == pages


def test_harvest_date_range_is_inclusive(harvest):
    day = HARVEST_ENTRIES[10]["spent_date"]
    listed = harvest_get(harvest, f"/v2/time_entries?from={day}&to={day}").json()
    expected = sorted(e["id"] for e in HARVEST_ENTRIES if e["spent_date"] == day)
    assert sorted(e["id"] for e in listed["time_entries"]) == expected
    assert listed["total_entries"] == len(expected)
    later = harvest_get(harvest, "/v2/time_entries?from=2025-03-15&to=2025-03-31").json()
    assert later["time_entries"] == [] and later["links"]["next"] is None


def test_harvest_per_page_default_and_limits(harvest):
    everything = harvest_get(harvest, "/v2/time_entries").json()
    assert everything["per_page"] == 2000 and len(everything["time_entries"]) == 45
    assert everything["links"]["next"] is None and everything["total_pages"] == 1
    assert harvest_get(harvest, "/v2/time_entries?per_page=2001").status_code == 422
    assert harvest_get(harvest, "/v2/time_entries?per_page=0").status_code == 422
    assert harvest_get(harvest, "/v2/time_entries?cursor=not-a-cursor").status_code == 422


def test_harvest_generate_entries_has_the_awkward_cases():
    entries = FakeHarvest.generate_entries(40, "2025-03-03", 12, seed=9)
    assert entries == FakeHarvest.generate_entries(40, date(2025, 3, 3), 12, seed=9)
    assert len({e["id"] for e in entries}) == 40
    assert all("2025-03-03" <= e["spent_date"] <= "2025-03-14" for e in entries)
    running = [e for e in entries if e["is_running"]]
    assert running and all(
        e["timer_started_at"] and e["ended_time"] is None and e["hours_without_timer"] == 0.0
        for e in running
    )
    assert any(e["started_time"] is None and e["ended_time"] is None for e in entries)
    assert [e for e in entries if e["hours"] > 12]
    stopped = [e for e in entries if e["started_time"] and e["ended_time"]]
    assert all(e["started_time"][-2:] in {"am", "pm"} for e in stopped)
    assert all(e["rounded_hours"] >= e["hours"] for e in entries)
    assert all({"currency"} <= set(e["client"]) and "code" in e["project"] for e in entries)


# -- Harvest: scripted faults ----------------------------------------------------------------


def test_harvest_faults_happen_exactly_as_scripted(harvest):
    harvest.script("429", retry_after=2)
    harvest.script("500")
    harvest.script("drop")
    harvest.script("stall", seconds=0.3)
    assert harvest.pending_faults == [("429", 1), ("500", 1), ("drop", 1), ("stall", 1)]

    assert harvest_get(harvest, "/v2/users/me").status_code == 200
    limited = harvest_get(harvest, "/v2/time_entries")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert harvest_get(harvest, "/v2/time_entries").status_code == 500
    with pytest.raises(requests.ConnectionError):
        harvest_get(harvest, "/v2/time_entries")
    started = time.monotonic()
    assert harvest_get(harvest, "/v2/time_entries").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert harvest_get(harvest, "/v2/time_entries").status_code == 200

    assert harvest.pending_faults == []
    assert [(r.path, r.status, r.fault) for r in harvest.requests] == [
        ("/v2/users/me", 200, None),
        ("/v2/time_entries", 429, "429"),
        ("/v2/time_entries", 500, "500"),
        ("/v2/time_entries", None, "drop"),
        ("/v2/time_entries", 200, "stall"),
        ("/v2/time_entries", 200, None),
    ]
    assert all(r.headers["Authorization"] == "<redacted>" for r in harvest.requests)


def test_harvest_faults_reach_me_only_with_include_me(harvest):
    harvest.script("429", count=2, include_me=True)
    assert harvest_get(harvest, "/v2/users/me").status_code == 429
    assert harvest_get(harvest, "/v2/time_entries").status_code == 429
    assert harvest_get(harvest, "/v2/users/me").status_code == 200
