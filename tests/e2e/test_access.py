"""Who may call what: tokens, admin-only routes, and other people's jobs."""

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_health_answers_without_a_token(local_stack):
    response = requests.get(local_stack["base_url"] + "/api/health", timeout=10)

    assert (response.status_code, response.json()["status"]) == (200, "ok")


def test_no_token_is_401_and_a_bad_token_is_403_as_api_gateway_answers(local_stack):
    url = local_stack["base_url"] + "/api/import/history"

    assert requests.get(url, timeout=10).status_code == 401
    assert (
        requests.get(url, headers={"Authorization": "Bearer nonsense"}, timeout=10).status_code
        == 403
    )
    unknown = "Bearer tp_" + "A" * 43
    assert requests.get(url, headers={"Authorization": unknown}, timeout=10).status_code == 403
    assert requests.get(url, headers={"Authorization": "Basic abc"}, timeout=10).status_code == 403


def test_only_admins_create_users_and_usernames_are_unique(admin, new_user):
    user = new_user()
    body = {"username": "mallory", "email": "mallory@example.com"}

    assert user.post("/api/admin/users", json=body).status_code == 403
    assert admin.post("/api/admin/users", json=body).status_code == 201
    again = admin.post("/api/admin/users", json=body)
    assert (again.status_code, again.json()) == (
        409,
        {"error": "username: 'mallory' is already taken"},
    )


def test_an_admin_issues_another_token_that_works_until_revoked(admin, new_user, local_stack):
    user = new_user()

    issued = admin.post(f"/api/admin/users/{user.user_id}/tokens")

    assert issued.status_code == 201, issued.text
    second = issued.json()
    local_stack["never_logged"].add(second["api_token"])
    assert second["token_id"] != user.token_id and second["api_token"] != user.token
    history = local_stack["base_url"] + "/api/import/history"
    bearer = {"Authorization": f"Bearer {second['api_token']}"}
    assert requests.get(history, headers=bearer, timeout=10).status_code == 200
    assert user.get("/api/import/history").status_code == 200  # the first token still works
    assert (
        admin.session.delete(
            f"{local_stack['base_url']}/api/admin/tokens/{second['token_id']}", timeout=10
        ).status_code
        == 204
    )
    assert requests.get(history, headers=bearer, timeout=10).status_code == 403
    unknown = admin.post("/api/admin/users/01aaaaaaaaaaaaaaaaaaaaaaaa/tokens")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"error": "No user with id '01aaaaaaaaaaaaaaaaaaaaaaaa'"},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"username": "x y", "email": "a@example.com"}, "username: 1-64 letters"),
        ({"username": "zed", "email": "not-an-email"}, "email: not a valid e-mail address"),
        ({"username": "zed", "email": "z@example.com", "role": "root"}, "role: Input should be"),
        ({"username": "zed", "email": "z@example.com", "timezone": "Mars/Olympus"}, "timezone: "),
    ],
)
def test_user_creation_names_the_bad_field(admin, body, message):
    response = admin.post("/api/admin/users", json=body)

    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_a_user_cannot_see_another_users_import(new_user):
    owner, other = new_user(), new_user()
    import_id = owner.post(
        "/api/import/csv",
        files={"file": ("a.csv", b"project_name,start_time,duration_hours\nP,2024-01-01,1\n")},
    ).json()["import_id"]

    response = other.get(f"/api/import/status/{import_id}")

    assert (response.status_code, response.json()) == (
        404,
        {"error": f"No import with id '{import_id}'"},
    )
    assert owner.get(f"/api/import/status/{import_id}").status_code == 200


def test_unknown_routes_answer_404(local_stack):
    response = requests.get(local_stack["base_url"] + "/api/nowhere", timeout=10)

    assert (response.status_code, response.json()) == (404, {"message": "Not Found"})


@pytest.mark.parametrize("job_id", ["imp_%00", "imp_'%22", "imp_%F0%9F%98%80", "imp_%ff"])
def test_ids_the_router_cannot_match_answer_404_not_500(new_user, job_id):
    response = new_user().get(f"/api/import/status/{job_id}")

    assert (response.status_code, response.json()) == (404, {"error": "Not found"})


@pytest.mark.parametrize(
    ("headers", "body", "status", "error"),
    [
        ({}, b'{"format": "zip"}', 415, "Send the body as application/json"),
        (
            {"Content-Type": "text/plain"},
            b'{"format": "zip"}',
            415,
            "Send the body as application/json",
        ),
        ({"Content-Type": "application/json"}, b"\xff", 400, "The body is not valid JSON in UTF-8"),
        (
            {"Content-Type": "application/json"},
            b"[" * 100_000 + b"]" * 100_000,
            400,
            "The body is not",
        ),
        (
            {"Content-Type": "application/json"},
            b'{"format": "zip"',
            400,
            "The body is not valid JSON: Expecting",
        ),
    ],
)
def test_unreadable_bodies_get_a_4xx_that_says_what_to_send(new_user, headers, body, status, error):
    user = new_user()
    user.session.headers.pop("Content-Type", None)

    response = user.post("/api/export/gdpr", data=body, headers=headers)

    assert response.status_code == status
    assert response.json()["error"].startswith(error)
