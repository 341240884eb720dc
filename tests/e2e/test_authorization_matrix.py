"""Every route of template.yaml against every kind of caller. A route added to the template
without a row here fails this test, so nobody ships a route whose access was never decided."""

import secrets

import pytest
import requests

from infra.local.template import LocalTemplate

pytestmark = pytest.mark.e2e

CSV = b"project_name,start_time,duration_hours\nP,2024-01-01 09:00,1\n"
CALLERS = ("owner", "other", "admin")

# route -> (expected status for owner, other user, admin); path ids are the owner's resources.
MATRIX = {
    "GET /api/health": (200, 200, 200),
    "GET /api/openapi.json": (200, 200, 200),
    "POST /api/admin/users": (403, 403, 201),
    "DELETE /api/admin/tokens/{token_id}": (403, 403, 204),
    "POST /api/admin/users/{user_id}/tokens": (403, 403, 201),
    "POST /api/import/csv/upload-url": (200, 200, 200),
    "POST /api/import/csv": (202, 202, 202),
    "GET /api/import/template/csv": (200, 200, 200),
    "GET /api/import/status/{import_id}": (200, 404, 404),
    "GET /api/import/history": (200, 200, 200),
    "POST /api/import/toggl": (400, 400, 400),
    "POST /api/import/harvest": (400, 400, 400),
    "POST /api/export/gdpr": (202, 202, 202),
    "GET /api/export/status/{export_id}": (200, 404, 404),
    "GET /api/export/history": (200, 200, 200),
    "GET /api/export/download/{export_id}": (302, 404, 404),
    "POST /api/export/filtered": (202, 202, 202),
    "POST /api/export/backup": (403, 403, 202),
    "POST /api/backup/restore/upload-url": (403, 403, 200),
    "POST /api/backup/restore": (403, 403, 400),
}

# Answered without a token, so a malformed or revoked one changes nothing either.
PUBLIC = {"GET /api/health", "GET /api/openapi.json"}


def request_kwargs(route: str) -> dict:
    """A well-formed request body for the route, so that only the caller decides the answer."""
    name = "u" + secrets.token_hex(5)
    bodies = {
        "POST /api/admin/users": {"json": {"username": name, "email": f"{name}@example.com"}},
        "POST /api/import/csv/upload-url": {"json": {"filename": "a.csv"}},
        "POST /api/import/csv": {"files": {"file": ("a.csv", CSV, "text/csv")}},
        "POST /api/import/toggl": {
            "json": {
                "api_token": "not-valid",
                "workspace_id": "1",
                "start_date": "2024-01-01",
                "end_date": "2024-01-31",
            }
        },
        "POST /api/import/harvest": {
            "json": {
                "api_token": "not-valid",
                "account_id": "1",
                "start_date": "2024-01-01",
                "end_date": "2024-01-31",
            }
        },
        "POST /api/export/gdpr": {"json": {"format": "json"}},
        "POST /api/export/filtered": {"json": {"format": "json", "filters": {}}},
        "POST /api/backup/restore": {
            "json": {"upload_key": "backups/restore/nobody/none.jsonl.gz"}
        },
    }
    return bodies.get(route, {})


@pytest.fixture(scope="module")
def callers(local_stack, admin, new_user_factory):
    owner, other = new_user_factory(), new_user_factory()
    import_id = owner.post("/api/import/csv", files={"file": ("a.csv", CSV, "text/csv")}).json()[
        "import_id"
    ]
    export_id = owner.post("/api/export/gdpr", json={"format": "json"}).json()["export_id"]
    owner.wait_for(f"/api/export/status/{export_id}")
    owner.wait_for(f"/api/import/status/{import_id}")
    return {
        "owner": owner,
        "other": other,
        "admin": admin,
        "import_id": import_id,
        "export_id": export_id,
    }


def fill(path: str, callers: dict, new_user_factory) -> str:
    if "{token_id}" in path:
        return path.replace("{token_id}", new_user_factory().token_id)
    if "{user_id}" in path:
        return path.replace("{user_id}", callers["owner"].user_id)
    return path.replace("{import_id}", callers["import_id"]).replace(
        "{export_id}", callers["export_id"]
    )


def test_every_template_route_has_a_row():
    routes = {f"{route.method} {route.path}" for route in LocalTemplate().routes()}

    assert routes == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_caller_gets_the_decided_answer(route, callers, new_user_factory, local_stack):
    method, path = route.split(" ", 1)
    for caller, expected in zip(CALLERS, MATRIX[route], strict=True):
        response = callers[caller].session.request(
            method,
            local_stack["base_url"] + fill(path, callers, new_user_factory),
            allow_redirects=False,
            timeout=30,
            **request_kwargs(route),
        )
        assert (caller, response.status_code) == (caller, expected), response.text


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_no_malformed_or_revoked_token_gets_in(
    route, callers, new_user_factory, admin, local_stack
):
    method, path = route.split(" ", 1)
    url = local_stack["base_url"] + fill(path, callers, new_user_factory)
    revoked = new_user_factory()
    assert (
        admin.session.delete(
            f"{local_stack['base_url']}/api/admin/tokens/{revoked.token_id}"
        ).status_code
        == 204
    )
    public = route in PUBLIC

    for headers, refused in (
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 403),
        ({"Authorization": "tp_" + "x" * 43}, 403),
        ({"Authorization": f"Bearer {revoked.token}"}, 403),
    ):
        response = requests.request(
            method, url, headers=headers, allow_redirects=False, timeout=30, **request_kwargs(route)
        )
        assert response.status_code == (200 if public else refused), (headers, response.text)
