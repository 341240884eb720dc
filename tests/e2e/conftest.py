"""End-to-end fixtures: the local stack in its own process, reached only over HTTP."""

import os
import re
import secrets
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
import requests

from infra.local.stack import free_port
from tests.fakes import FakeHarvest, FakeToggl

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90


class Api:
    """A user of the API: a base URL and a bearer token."""

    def __init__(self, base_url: str, token: str | None):
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.base_url + path, timeout=30, **kwargs)

    @staticmethod
    def send_file(grant: dict, content: bytes, filename: str = "upload") -> requests.Response:
        """Send a file to an upload URL the way a browser form does: the grant's fields, then
        the file (S3 reads the fields before the file, so the file goes last)."""
        assert grant["method"] == "POST" and grant["file_field"] == "file"
        return requests.post(
            grant["upload_url"],
            data=grant["fields"],
            files={"file": (filename, content)},
            timeout=60,
        )

    def wait_for(
        self, path: str, done=lambda body: body["status"] not in ("pending", "processing")
    ):
        """Poll a status route until the job is finished; returns its last body."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            response = self.get(path)
            assert response.status_code == 200, response.text
            if done(response.json()):
                return response.json()
            time.sleep(0.2)
        pytest.fail(f"{path} did not finish in time: {response.text}")


@pytest.fixture(scope="session")
def fake_toggl():
    """The Toggl API on 127.0.0.1; tests set its token, entries and faults before use."""
    with FakeToggl() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_harvest():
    with FakeHarvest() as fake:
        yield fake


START_ATTEMPTS = 3


def _start_stack(name: str, settings: dict) -> tuple[subprocess.Popen, dict] | None:
    """Start one stack process and wait until it serves; None when its port was taken
    between choosing it and binding it (free_port cannot reserve it)."""
    port = free_port()
    admin_token = "tp_" + secrets.token_urlsafe(32)
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "TIMEPORT_"))
    }
    environment.update({"PORT": str(port), "TIMEPORT_ADMIN_TOKEN": admin_token, **settings})
    log_path = REPO_ROOT / ".pytest_cache" / f"{name}.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"],
            cwd=REPO_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            output = log_path.read_text()
            if "Address already in use" in output:
                return None
            pytest.fail(f"The local stack exited early:\n{output[-3000:]}")
        try:
            endpoint = re.search(r"moto\) endpoint: (\S+)", log_path.read_text())
            healthy = requests.get(base_url + "/api/health", timeout=1).status_code == 200
            if healthy and endpoint:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("The local stack did not answer /api/health in time")
        time.sleep(0.2)
    stack = {
        "base_url": base_url,
        "admin_token": admin_token,
        "log_path": log_path,
        "aws_endpoint": endpoint.group(1),
        "never_logged": set(),
    }
    return process, stack


def embedded_aws(stack: dict, service: str):
    """A client of the stack's embedded AWS, to check what the API cannot show."""
    return boto3.client(
        service,
        endpoint_url=stack["aws_endpoint"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@contextmanager
def running_stack(name: str, **settings: str):
    """A local stack in its own process (`python -m infra.local`), stopped on exit. When it
    stops, its log is searched for secrets (see assert_log_holds_no_secret)."""
    for _ in range(START_ATTEMPTS):
        started = _start_stack(name, settings)
        if started:
            break
    else:
        pytest.fail(f"The local stack found no free port in {START_ATTEMPTS} attempts")
    process, stack = started
    try:
        yield stack
    finally:
        process.terminate()
        process.wait(timeout=30)
    log = stack["log_path"].read_text()
    assert log.count(stack["admin_token"]) == 1, "the admin token is printed once, in the banner"
    assert_log_holds_no_secret(log, stack["never_logged"])


@pytest.fixture(scope="session")
def local_stack(fake_toggl, fake_harvest):
    settings = {
        "TIMEPORT_PARAMETER_TogglApiUrl": fake_toggl.base_url,
        "TIMEPORT_PARAMETER_HarvestApiUrl": fake_harvest.base_url,
        "TIMEPORT_PARAMETER_SourceRetryIntervalSeconds": "1",
        # Small, so that long imports really hand over to fresh executions.
        "TIMEPORT_PARAMETER_SourcePagesPerExecution": "4",
        # Small, so that a test can send a file just over the upload limit.
        "TIMEPORT_PARAMETER_MaxUploadBytes": str(8 * 1024 * 1024),
    }
    with running_stack("local-stack", **settings) as stack:
        yield stack


@pytest.fixture
def empty_stack():
    """Starts a second, empty local stack; returns an Api acting as its admin."""
    with ExitStack() as stacks:

        def start(admin_username: str = "admin") -> Api:
            stack = stacks.enter_context(
                running_stack("empty-stack", TIMEPORT_ADMIN_USERNAME=admin_username)
            )
            return Api(stack["base_url"], stack["admin_token"])

        yield start


def assert_log_holds_no_secret(log: str, secrets_: set[str]) -> None:
    """After every end-to-end test: no token, third-party credential, file content or
    presigned URL in any line the stack logged."""
    leaked = sorted(secret for secret in secrets_ if secret in log)
    assert not leaked, f"{len(leaked)} secret value(s) appear in the local stack's log"
    for marker in ("X-Amz-Signature", "X-Amz-Credential", "Signature="):
        assert marker not in log, f"a presigned URL ({marker}) appears in the local stack's log"


@pytest.fixture(scope="session")
def admin(local_stack) -> Api:
    return Api(local_stack["base_url"], local_stack["admin_token"])


def _user_factory(local_stack, admin):
    def create(timezone: str = "UTC") -> Api:
        name = "user" + secrets.token_hex(4)
        body = {"username": name, "email": f"{name}@example.com", "timezone": timezone}
        response = admin.post("/api/admin/users", json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        api = Api(local_stack["base_url"], created["api_token"])
        local_stack["never_logged"].add(created["api_token"])
        api.username = name
        api.user_id, api.token_id, api.token = (
            created["user_id"],
            created["token_id"],
            created["api_token"],
        )
        return api

    return create


@pytest.fixture
def new_user(local_stack, admin):
    """Create a fresh user through the admin route; returns an Api acting as them."""
    return _user_factory(local_stack, admin)


@pytest.fixture(scope="session")
def new_user_factory(local_stack, admin):
    return _user_factory(local_stack, admin)


@pytest.fixture
def app_clock(local_stack):
    """Moves the local stack's clock (its /_local/clock route) and puts it back afterwards."""
    url = local_stack["base_url"] + "/_local/clock"

    def move(**delta) -> str:
        seconds = timedelta(**delta).total_seconds()
        response = requests.post(url, json={"offset_seconds": seconds}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["now"]

    yield move
    requests.post(url, json={"offset_seconds": 0}, timeout=10)
