"""Schemathesis against a local stack of its own, driven by the merged OpenAPI document.

Every documented operation gets generated requests, as the admin and as a plain user, with
data that fits the document (positive) and data that breaks it (negative). Each answer must be
no 5xx, a documented status code, of the documented content type and shaped as documented.

The stack is a throwaway one, so the destructive admin routes are fuzzed too: user creation
only adds users; a token revoke needs a token id, which nothing generated can guess; a
restore checks its whole file before it writes anything, and a generated file is never a
backup. Nothing here touches the stack the other end-to-end tests share.
"""

import json
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra.openapi import DOCUMENT_PATH
from tests.e2e.conftest import REPO_ROOT, Api, running_stack

pytestmark = pytest.mark.e2e

# Per operation, caller and mode: about 70 runs of 25 stay within a few minutes on two cores.
# Examples come from a fixed seed, so a failure reproduces run after run.
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FIGURES_PATH = REPO_ROOT / ".pytest_cache" / "fuzzing-figures.json"
DOCUMENT = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = sorted(
    f"{method.upper()} {path}" for path, item in DOCUMENT["paths"].items() for method in item
)


def _takes_input(route: str) -> bool:
    method, path = route.split(" ", 1)
    operation = DOCUMENT["paths"][path][method.lower()]
    return bool(operation.get("parameters") or operation.get("requestBody"))


# Negative data needs something to break: an operation without parameters or body has none.
RUNS = [(route, GenerationMode.POSITIVE) for route in OPERATIONS] + [
    (route, GenerationMode.NEGATIVE) for route in OPERATIONS if _takes_input(route)
]


@pytest.fixture(scope="module")
def fuzz_stack(fake_toggl, fake_harvest, request):
    settings_ = {
        "TIMEPORT_PARAMETER_TogglApiUrl": fake_toggl.base_url,
        "TIMEPORT_PARAMETER_HarvestApiUrl": fake_harvest.base_url,
    }
    figures = {"operations": len(OPERATIONS), "runs": 0, "requests": 0, "failed_runs": []}
    started = time.monotonic()
    with running_stack("fuzz-stack", **settings_) as stack:
        admin = Api(stack["base_url"], stack["admin_token"])
        body = {"username": "fuzzed-user", "email": "fuzzed@example.com"}
        created = admin.post("/api/admin/users", json=body).json()
        stack["never_logged"].add(created["api_token"])
        stack["tokens"] = {"admin": stack["admin_token"], "user": created["api_token"]}
        stack["figures"] = figures
        yield stack
    figures["seconds"] = round(time.monotonic() - started)
    FIGURES_PATH.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    plugins = request.config.pluginmanager
    # Teardown output is captured; the figures belong in the run's own output (README).
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        plugins.get_plugin("terminalreporter").write_line(
            f"\nschemathesis: {figures['operations']} operations, {figures['runs']} runs, "
            f"{figures['requests']} requests, {len(figures['failed_runs'])} failed runs, "
            f"{figures['seconds']} s (figures in {FIGURES_PATH.name})"
        )


def test_the_stack_serves_the_committed_document_without_a_token(fuzz_stack):
    response = requests.get(fuzz_stack["base_url"] + "/api/openapi.json", timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == DOCUMENT


@pytest.mark.parametrize("caller", ["admin", "user"])
@pytest.mark.parametrize(("route", "mode"), RUNS)
def test_generated_requests_get_documented_answers(route, mode, caller, fuzz_stack):
    method, path = route.split(" ", 1)
    operation = SCHEMA[path][method]
    session = requests.Session()
    headers = {"Authorization": f"Bearer {fuzz_stack['tokens'][caller]}"}
    figures = fuzz_stack["figures"]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exchange(case):
        figures["requests"] += 1
        response = case.call(
            base_url=fuzz_stack["base_url"],
            session=session,
            headers=headers,
            timeout=30,
            allow_redirects=False,
        )
        case.validate_response(response, checks=CHECKS, headers=headers)

    figures["runs"] += 1
    try:
        exchange()
    except BaseException:
        figures["failed_runs"].append(f"{route} as {caller}, {mode.value}")
        raise
