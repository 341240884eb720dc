"""Shared test set-up: the environment template.yaml gives the functions, with fake credentials.

Unit tests run against moto's in-process mock (`mock_aws`); end-to-end tests start the local
stack in a separate process (see tests/e2e/conftest.py), because entering `mock_aws` would
reset an in-process moto server.
"""

import os
from pathlib import Path

import pytest

from infra.local.template import REGION, LocalTemplate

REPO_ROOT = Path(__file__).resolve().parents[1]
# Copies of shared/samples, unchanged, so that a clone runs its tests anywhere.
SAMPLES = REPO_ROOT / "tests" / "samples"

for _name in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[_name]
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "timeport-tests",
    }
)
for _function in LocalTemplate().functions().values():
    os.environ.update({k: v for k, v in _function.environment.items() if k.startswith("TIMEPORT_")})


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"The shared samples folder is missing: {SAMPLES}")
    return SAMPLES
