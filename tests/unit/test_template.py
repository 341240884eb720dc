"""template.yaml: lint-clean, and the properties the product promises."""

import subprocess
import sys
from pathlib import Path

from infra.local.stack import LOCAL_COUNTERPARTS
from infra.local.template import TEMPLATE_PATH, LocalTemplate

TEMPLATE = LocalTemplate()


def test_cfn_lint_reports_nothing():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE_PATH)], capture_output=True, text=True, check=False
    )

    assert (result.returncode, result.stdout) == (0, "")


def test_the_bucket_is_private_encrypted_tls_only_and_expires_uploads_and_exports():
    (bucket,) = TEMPLATE.of_type("AWS::S3::Bucket").values()
    properties = bucket["Properties"]
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    (policy,) = TEMPLATE.of_type("AWS::S3::BucketPolicy").values()

    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    assert "BucketEncryption" in properties
    assert (rules["ExpireUploads"]["Prefix"], rules["ExpireExports"]["Prefix"]) == (
        "uploads/",
        "exports/",
    )
    assert TEMPLATE.parameters["FileRetentionDays"] == 7
    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 1
    }
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_backups_keep_their_own_retention_of_thirty_days_by_default():
    (bucket,) = TEMPLATE.of_type("AWS::S3::Bucket").values()
    rules = {rule["Id"]: rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    environment = TEMPLATE.raw["Globals"]["Function"]["Environment"]["Variables"]

    assert rules["ExpireBackups"]["Prefix"] == "backups/"
    assert rules["ExpireBackups"]["ExpirationInDays"] == {"Ref": "BackupRetentionDays"}
    assert TEMPLATE.parameters["BackupRetentionDays"] == 30
    assert environment["TIMEPORT_BACKUP_RETENTION_DAYS"] == {"Ref": "BackupRetentionDays"}


def test_every_users_jobs_are_listed_through_an_index_not_a_scan():
    jobs = TEMPLATE.of_type("AWS::DynamoDB::Table")["JobsTable"]["Properties"]
    (index,) = jobs["GlobalSecondaryIndexes"]

    assert index["IndexName"] == "JobsByKind"
    assert [(key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]] == [
        ("kind", "HASH"),
        ("job_id", "RANGE"),
    ]


def test_admin_routes_and_the_local_clock_route():
    routes = {(route.method, route.path): route.function for route in TEMPLATE.routes()}

    assert routes[("POST", "/api/export/filtered")] == "FilteredExportFunction"
    assert routes[("POST", "/api/export/backup")] == "BackupFunction"
    assert routes[("POST", "/api/backup/restore/upload-url")] == "RestoreUploadUrlFunction"
    assert routes[("POST", "/api/backup/restore")] == "RestoreFunction"
    assert not [path for _, path in routes if path.startswith("/_local")]


def test_jobs_expire_by_ttl_and_tables_are_on_demand():
    tables = TEMPLATE.of_type("AWS::DynamoDB::Table")

    assert tables["JobsTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at_epoch",
        "Enabled": True,
    }
    assert {spec["Properties"]["BillingMode"] for spec in tables.values()} == {"PAY_PER_REQUEST"}


def test_the_api_uses_a_request_authorizer_with_simple_responses_on_the_authorization_header():
    (api,) = TEMPLATE.of_type("AWS::Serverless::HttpApi").values()
    authorizer = api["Properties"]["Auth"]["Authorizers"]["TokenAuthorizer"]

    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True
    assert authorizer["Identity"]["Headers"] == ["Authorization"]
    public = sorted(route.path for route in TEMPLATE.routes() if not route.authorized)
    assert public == ["/api/health", "/api/openapi.json"]


def test_every_function_has_its_own_folder_with_a_handler():
    functions = TEMPLATE.functions()

    assert len({function.code_dir for function in functions.values()}) == len(functions)
    for function in functions.values():
        assert (function.code_dir / "app.py").is_file(), function.logical_id
    assert TEMPLATE.raw["Globals"]["Function"]["Runtime"] == "python3.13"
    assert TEMPLATE.raw["Globals"]["Function"]["Architectures"] == ["arm64"]


def test_csv_uploads_start_the_import_worker():
    (trigger,) = TEMPLATE.s3_triggers()

    assert trigger.function == "CsvImportWorkerFunction"
    assert trigger.filter_rules[0] == {"Name": "prefix", "Value": "uploads/csv/"}


def test_the_asynchronously_invoked_workers_keep_failed_events_in_a_dead_letter_queue():
    queues = {
        name: function.dead_letter_queue
        for name, function in TEMPLATE.functions().items()
        if function.dead_letter_queue
    }

    assert queues == {
        "CsvImportWorkerFunction": "timeport-local-FailedInvocationsQueue",
        "ExportWorkerFunction": "timeport-local-FailedInvocationsQueue",
        "RestoreWorkerFunction": "timeport-local-FailedInvocationsQueue",
    }


def test_the_local_stack_emulates_or_deliberately_leaves_out_every_resource_type():
    types = {spec["Type"] for spec in TEMPLATE.resources.values()}

    assert types - set(LOCAL_COUNTERPARTS) == set()
