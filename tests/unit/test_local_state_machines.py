"""The state machines as the local stack hands them to moto: what moto 5.2.5 cannot read, and
the one rewrite (infra/local/moto_asl.py) that makes it read them unchanged otherwise."""

import json

import boto3
import pytest
from moto import mock_aws
from moto.core.config import default_user_config

from infra.local.moto_asl import for_moto
from infra.local.template import REGION, LocalTemplate

MACHINES = LocalTemplate().state_machines()
CSV_IMPORT = MACHINES["timeport-local-csv-import"]


@pytest.fixture
def stepfunctions(monkeypatch):
    monkeypatch.setitem(default_user_config["stepfunctions"], "execute_state_machine", True)
    with mock_aws():
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="machines", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        client = boto3.client("stepfunctions", region_name=REGION)

        def create(name: str, definition: str) -> str:
            return client.create_state_machine(name=name, definition=definition, roleArn=role)

        yield create


def test_moto_still_refuses_the_integer_failure_tolerance_the_rewrite_exists_for(stepfunctions):
    with pytest.raises(Exception, match="ToleratedFailurePercentage"):
        stepfunctions("as-written", CSV_IMPORT)


def test_the_rewrite_changes_the_failure_tolerance_into_a_decimal_and_nothing_else():
    original, rewritten = json.loads(CSV_IMPORT), json.loads(for_moto(CSV_IMPORT))

    parts = rewritten["States"]["ImportParts"]
    assert parts["ToleratedFailurePercentage"] == 100.0
    assert isinstance(parts["ToleratedFailurePercentage"], float)
    assert parts["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    parts["ToleratedFailurePercentage"] = 100
    assert rewritten == original


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_moto_reads_every_state_machine_of_the_template_after_the_rewrite(stepfunctions, name):
    assert stepfunctions(name, for_moto(MACHINES[name]))["stateMachineArn"].endswith(name)
