"""template.yaml under checkov: every failed check is fixed, or skipped with its reason.

checkov runs from its own virtualenv (.venv-checkov, made by `make test`): it pins an older
boto3 than the project does. It runs offline: `--skip-download` and `BC_SKIP_MAPPING` keep it
from the Prisma Cloud platform (policies, guidelines, id mappings), and
`CKV_SKIP_PACKAGE_UPDATE_CHECK` from asking PyPI for a newer version. On top of that the run
refuses every socket and says so, so a call that a future version adds fails this file.
"""

import json
import os
import re
import subprocess

import pytest

from infra.local.template import REPO_ROOT, TEMPLATE_PATH, LocalTemplate

CHECKOV_PYTHON = REPO_ROOT / ".venv-checkov" / "bin" / "python"
OFFLINE_ENVIRONMENT = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
NETWORK_ATTEMPT = "checkov tried the network"
# Runs checkov's own entry module after replacing the socket calls that reach a host.
OFFLINE_RUN = f"""
import runpy, socket, sys

def refuse(*args, **kwargs):
    print("{NETWORK_ATTEMPT}:", repr(args), file=sys.stderr)
    raise OSError("{NETWORK_ATTEMPT}")

socket.getaddrinfo = refuse
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
runpy.run_module("checkov.main", run_name="__main__", alter_sys=True)
"""


def _checkov(*arguments: str) -> subprocess.CompletedProcess:
    if not CHECKOV_PYTHON.is_file():
        pytest.fail(
            f"checkov's virtualenv is missing ({CHECKOV_PYTHON.parent.parent.name}): "
            "`make test` creates it, or `make .venv-checkov/.installed-<version>` alone"
        )
    environment = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    result = subprocess.run(
        [str(CHECKOV_PYTHON), "-c", OFFLINE_RUN, *arguments],
        env={**environment, **OFFLINE_ENVIRONMENT},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert NETWORK_ATTEMPT not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def report() -> dict:
    result = _checkov(
        *("--file", str(TEMPLATE_PATH), "--framework", "cloudformation", "--skip-download"),
        *("--output", "json"),
    )
    # 0: nothing failed; 1: something failed, listed in the report; anything else: a crash.
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def _skips_in_metadata() -> dict[tuple[str, str], str]:
    """(check id, resource) to the reason written in that resource's Metadata."""
    skips = {}
    for logical_id, spec in LocalTemplate().resources.items():
        for skip in spec.get("Metadata", {}).get("checkov", {}).get("skip", []):
            skips[(skip["id"], logical_id)] = str(skip.get("comment") or "").strip()
    return skips


def test_checkov_is_the_version_the_makefile_pins(report):
    pinned = re.search(
        r"^CHECKOV_VERSION := (\S+)$", (REPO_ROOT / "Makefile").read_text(), re.MULTILINE
    ).group(1)

    assert report["summary"]["checkov_version"] == pinned


def test_checkov_parses_the_whole_template(report):
    summary = report["summary"]

    assert summary["parsing_errors"] == 0
    assert summary["resource_count"] == len(LocalTemplate().resources)


def test_no_check_fails_without_a_skip_in_the_resources_metadata(report):
    failed = [
        f"{check['check_id']} ({check['check_name']}) on {check['resource']}"
        for check in report["results"]["failed_checks"]
    ]

    assert failed == [], "\n".join(failed)


def test_every_skip_says_why():
    without_reason = [
        f"{check_id} on {resource}"
        for (check_id, resource), reason in _skips_in_metadata().items()
        if len(reason.split()) < 5
    ]

    assert without_reason == []


def test_every_skip_names_a_check_that_checkov_runs_on_that_resource(report):
    skipped = {
        (check["check_id"], check["resource"].split(".", 1)[1])
        for check in report["results"]["skipped_checks"]
    }

    assert set(_skips_in_metadata()) - skipped == set()
