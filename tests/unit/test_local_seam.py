"""Guards of the seam through which the local stack runs Lambda code in-process.

infra/local/lambdas.py replaces two moto internals and infra/local/s3_post_policy.py wraps a
third. If a moto upgrade moves or reshapes one, these tests fail here, by name, instead of
imports silently never starting or uploads silently skipping their checks.
"""

import inspect
from importlib.metadata import version

import moto.awslambda.models as moto_lambda
import moto.s3.notifications as moto_s3_notifications
from moto.s3.responses import S3Response

PINNED_MOTO = "5.2.5"


def test_moto_is_the_version_the_seam_was_written_for():
    assert version("moto") == PINNED_MOTO


def test_lambda_invoke_keeps_the_signature_the_local_runtime_replaces():
    parameters = list(inspect.signature(moto_lambda.LambdaFunction.invoke).parameters)

    assert parameters == ["self", "body", "request_headers", "response_headers"]
    assert "fn.invoke(body, headers, response_headers)" in inspect.getsource(
        moto_lambda.LambdaBackend.invoke
    )


def test_s3_notifications_still_reach_lambda_through_the_replaced_function():
    parameters = list(inspect.signature(moto_s3_notifications._invoke_awslambda).parameters)

    assert parameters == ["account_id", "event_body", "fn_arn", "region_name"]
    assert "_invoke_awslambda(" in inspect.getsource(moto_s3_notifications.send_event)


def test_s3_post_uploads_still_pass_through_the_handler_the_policy_check_wraps():
    parameters = list(inspect.signature(S3Response._bucket_response_post).parameters)

    assert parameters == ["self", "request", "bucket_name"]
    assert "self._bucket_response_post(request, bucket_name)" in inspect.getsource(
        S3Response._bucket_response
    )
