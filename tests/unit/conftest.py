"""Unit-test fixtures: moto's mock with the tables and bucket that template.yaml declares."""

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from infra.local.resources import create_storage
from infra.local.template import REGION, LocalTemplate


@pytest.fixture
def aws():
    """Inside moto's mock, with every table and bucket of the template created empty; yields S3."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION, config=Config(signature_version="s3v4"))
        create_storage(LocalTemplate(), boto3.client("dynamodb", region_name=REGION), s3)
        yield s3
