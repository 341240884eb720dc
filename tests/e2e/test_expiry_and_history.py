"""Expiry by the app's own clock, and the admins' every-user history."""

from datetime import datetime, timedelta

import pytest
import requests

pytestmark = pytest.mark.e2e

GUIDE_CSV = b"project_name,start_time,duration_hours\nP,2024-01-01 09:00,1\n"


def parse(moment: str) -> datetime:
    return datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ")


def test_an_export_past_its_seven_days_answers_410_while_its_file_still_exists(new_user, app_clock):
    user = new_user()
    export = user.post("/api/export/gdpr", json={"format": "json"}).json()
    done = user.wait_for(f"/api/export/status/{export['export_id']}")
    assert parse(done["expires_at"]) - parse(done["completed_at"]) == timedelta(days=7)
    assert user.get(export["download_url"], allow_redirects=False).status_code == 302

    app_clock(days=7, seconds=-2)
    assert user.get(export["download_url"], allow_redirects=False).status_code == 302
    app_clock(days=7, seconds=1)

    gone = user.get(export["download_url"], allow_redirects=False)
    assert (gone.status_code, gone.json()) == (
        410,
        {"error": "This export has expired (it was kept 7 days); start a new export"},
    )
    status = user.get(f"/api/export/status/{export['export_id']}").json()
    assert (status["status"], status["is_expired"]) == ("completed", True)
    (listed,) = user.get("/api/export/history").json()["exports"]
    assert (listed["expires_at"], listed["is_expired"]) == (done["expires_at"], True)


def test_import_status_and_history_show_expiry_seven_days_after_completion(new_user, app_clock):
    user = new_user()
    import_id = user.post("/api/import/csv", files={"file": ("a.csv", GUIDE_CSV)}).json()[
        "import_id"
    ]
    status = user.wait_for(f"/api/import/status/{import_id}")
    assert parse(status["expires_at"]) - parse(status["completed_at"]) == timedelta(days=7)
    assert status["is_expired"] is False

    app_clock(days=8)

    assert user.get(f"/api/import/status/{import_id}").json()["is_expired"] is True
    (listed,) = user.get("/api/import/history").json()["imports"]
    assert (listed["id"], listed["expires_at"], listed["is_expired"]) == (
        import_id,
        status["expires_at"],
        True,
    )


def test_admins_list_every_users_jobs_with_all_true_and_others_get_403(admin, new_user):
    alice, bob = new_user(), new_user()
    alice_import = alice.post("/api/import/csv", files={"file": ("a.csv", GUIDE_CSV)}).json()
    bob_import = bob.post("/api/import/csv", files={"file": ("b.csv", GUIDE_CSV)}).json()
    bob_export = bob.post("/api/export/gdpr", json={"format": "json"}).json()

    imports = admin.get("/api/import/history", params={"all": "true"}).json()["imports"]
    exports = admin.get("/api/export/history", params={"all": "true"}).json()["exports"]

    newest_imports = [(item["id"], item["user_id"]) for item in imports[:2]]
    assert newest_imports == [
        (bob_import["import_id"], bob.user_id),
        (alice_import["import_id"], alice.user_id),
    ]
    assert (exports[0]["id"], exports[0]["user_id"]) == (bob_export["export_id"], bob.user_id)
    own = admin.get("/api/import/history").json()["imports"]
    assert alice_import["import_id"] not in [item["id"] for item in own]
    for route in ("/api/import/history", "/api/export/history"):
        refused = alice.get(route, params={"all": "true"})
        assert (refused.status_code, refused.json()) == (
            403,
            {"error": "This route is for admins only"},
        )
        assert alice.get(route, params={"all": "false"}).status_code == 200
        assert admin.get(route, params={"all": "maybe"}).status_code == 400


@pytest.mark.parametrize("offset", [-99999999999, 1e308, "NaN"])
def test_the_local_clock_refuses_offsets_no_date_can_hold(local_stack, offset):
    url = local_stack["base_url"] + "/_local/clock"

    response = requests.post(url, json={"offset_seconds": offset}, timeout=10)

    assert response.status_code == 400
    assert requests.get(url, timeout=10).json()["offset_seconds"] == 0


def test_histories_come_a_page_at_a_time_to_the_oldest_job(admin, new_user):
    user = new_user()
    started = [
        user.post("/api/import/csv", files={"file": (f"{n}.csv", GUIDE_CSV)}).json()["import_id"]
        for n in range(5)
    ]
    newest_first = started[::-1]

    pages, before = [], None
    while True:
        params = {"limit": 2, **({"before": before} if before else {})}
        page = user.get("/api/import/history", params=params).json()
        pages.append([item["id"] for item in page["imports"]])
        before = page["next_before"]
        if before is None:
            break

    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    everyone = admin.get("/api/import/history", params={"all": "true", "limit": 1}).json()
    assert everyone["imports"][0]["id"] == newest_first[0]
    older = admin.get(
        "/api/import/history", params={"all": "true", "limit": 1, "before": newest_first[0]}
    ).json()
    assert older["imports"][0]["id"] == newest_first[1]
    for params, message in (
        ({"before": "exp_" + "0" * 26}, "before: not a next_before value from this history"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
    ):
        refused = user.get("/api/import/history", params=params)
        assert refused.status_code == 400, (params, refused.text)
        assert message in refused.json()["error"]
