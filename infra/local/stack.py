"""Build the whole local stack: moto server, resources from template.yaml, handlers, gateway."""

import io
import os
import socket
import threading
import zipfile
from contextlib import closing

import boto3
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from infra.local.moto_asl import for_moto
from infra.local.resources import create_storage
from infra.local.s3_post_policy import enforce_post_policies
from infra.local.template import ACCOUNT_ID, REGION, LocalTemplate

# What the local stack makes of each resource type in template.yaml. tests/unit/test_template.py
# fails on a type missing here, so that a new one is emulated or left out on purpose.
LOCAL_COUNTERPARTS = {
    "AWS::Serverless::Function": "the real handler, run in-process (lambdas.py)",
    "AWS::Serverless::LayerVersion": "the shared package, installed in .venv",
    "AWS::Serverless::HttpApi": "the werkzeug gateway (gateway.py); access logs go to stdout",
    "AWS::Serverless::StateMachine": "moto's Step Functions, running the same definition",
    "AWS::S3::Bucket": "moto's S3",
    "AWS::S3::BucketPolicy": "left out: presigned URLs are plain HTTP to 127.0.0.1",
    "AWS::DynamoDB::Table": "moto's DynamoDB",
    "AWS::KMS::Key": "moto's KMS, one key per alias",
    "AWS::KMS::Alias": "moto's KMS",
    "AWS::SQS::Queue": "moto's SQS: the dead-letter queue of the asynchronous workers",
    "AWS::Logs::LogGroup": "left out: everything logs to stdout",
}

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalStack:
    """One process holding moto, every function of the template and the HTTP gateway."""

    def __init__(
        self,
        port: int,
        admin_token: str | None = None,
        moto_port: int | None = None,
        parameter_overrides: dict | None = None,
        admin_username: str = "admin",
    ):
        self.port = port
        self.admin_username = admin_username
        self.moto_port = moto_port or free_port()
        self.admin_token = admin_token
        self.template = LocalTemplate(parameter_overrides=parameter_overrides)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.moto_port, verbose=False)
        self._http = None
        self.runtime = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _configure_environment(self) -> None:
        endpoint = f"http://127.0.0.1:{self.moto_port}"
        os.environ.update(LOCAL_CREDENTIALS)
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "MOTO_PORT": str(self.moto_port)})
        os.environ.update(self.template.shared_environment())

    def _client(self, service: str):
        return boto3.client(
            service, region_name=REGION, endpoint_url=f"http://127.0.0.1:{self.moto_port}"
        )

    def _create_resources(self) -> None:
        s3 = self._client("s3")
        create_storage(self.template, self._client("dynamodb"), s3)

        iam = self._client("iam")
        role = iam.create_role(RoleName="timeport-local", AssumeRolePolicyDocument="{}")["Role"][
            "Arn"
        ]
        awslambda = self._client("lambda")
        for name, function in self.template.functions().items():
            awslambda.create_function(
                FunctionName=name,
                Runtime="python3.13",
                Role=role,
                Handler=function.handler,
                Code={"ZipFile": _placeholder_zip()},
                Timeout=function.timeout,
                MemorySize=function.memory,
            )
        sqs = self._client("sqs")
        for logical_id in self.template.of_type("AWS::SQS::Queue"):
            sqs.create_queue(QueueName=self.template.physical_name(logical_id))
        kms = self._client("kms")
        for alias in self.template.kms_aliases():
            key_id = kms.create_key(Description=alias)["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)
        stepfunctions = self._client("stepfunctions")
        for name, definition in self.template.state_machines().items():
            stepfunctions.create_state_machine(
                name=name, definition=for_moto(definition), roleArn=role, type="STANDARD"
            )
        for trigger in self.template.s3_triggers():
            s3.put_bucket_notification_configuration(
                Bucket=trigger.bucket,
                NotificationConfiguration={
                    "LambdaFunctionConfigurations": [
                        {
                            "LambdaFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{trigger.function}",
                            "Events": trigger.events,
                            "Filter": {"Key": {"FilterRules": trigger.filter_rules}},
                        }
                    ]
                },
            )

    def start(self) -> None:
        self._configure_environment()
        # moto runs state machine definitions (instead of faking their results) only when asked.
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        self._moto.start()
        self._create_resources()
        # Imported only now: the shared package reads its settings from the environment above.
        from infra.local.gateway import LocalHttpApi
        from infra.local.lambdas import LocalLambdaRuntime

        routes = self.template.routes()
        self.runtime = LocalLambdaRuntime(
            self.template.functions(), {route.function for route in routes}
        )
        self.runtime.patch_moto()
        enforce_post_policies(LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
        self.admin_token = self._create_admin()
        gateway = LocalHttpApi(routes, self.template.authorizer_function(), self.runtime)
        self._http = make_server("127.0.0.1", self.port, gateway, threaded=True)
        threading.Thread(target=self._http.serve_forever, name="gateway", daemon=True).start()

    def _create_admin(self) -> str:
        from timeport.domain.users import create_user

        return create_user(
            self.admin_username,
            f"{self.admin_username}@timeport.example",
            role="admin",
            token=self.admin_token,
        ).api_token

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
        if self.runtime is not None:
            self.runtime.shutdown()
        self._moto.stop()


def _placeholder_zip() -> bytes:
    """moto wants a deployment package; the code it would run is never used (see lambdas.py)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "app.py", "def handler(event, context):\n    raise RuntimeError('runs in-process')\n"
        )
    return buffer.getvalue()
