"""The checks S3 makes on a browser-style POST upload, which moto 5.2.5 skips.

Timeport's upload URLs are presigned POST forms: their signed policy binds the upload to one
key and content type, a size range and an expiry. moto stores whatever is posted, so the local
stack wraps moto's bucket POST handler (`S3Response._bucket_response_post`, pinned by
tests/unit/test_local_seam.py) and refuses what S3 would refuse, with S3's error codes:
a bad signature, an expired policy, a field no condition allows, a failed condition, a file
outside `content-length-range`.
"""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from moto.s3.responses import S3Response

# Fields S3 lets a form carry without a condition in its policy.
_FIELDS_WITHOUT_CONDITION = frozenset({"policy", "x-amz-signature", "file"})


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str

    def response(self) -> tuple[int, dict, str]:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{self.code}</Code><Message>{escape(self.message)}</Message></Error>"
        )
        return self.status, {"Content-Type": "application/xml"}, body


def _denied(reason: str) -> Refusal:
    return Refusal(403, "AccessDenied", f"Invalid according to Policy: {reason}")


def _signature(secret_key: str, credential: str, policy: str) -> str:
    _, date, region, service, _ = credential.split("/")
    key = f"AWS4{secret_key}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def _condition_failure(condition, fields: dict[str, str], bucket: str, size: int):
    """The Refusal one policy condition earns, or None when the form meets it."""
    if isinstance(condition, dict):
        ((name, expected),) = condition.items()
        condition = ["eq", f"${name}", expected]
    operator, *arguments = condition
    if operator == "content-length-range":
        low, high = (int(limit) for limit in arguments)
        if size > high:
            return Refusal(
                400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            )
        if size < low:
            return Refusal(
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            )
        return None
    name, expected = arguments
    name = name.removeprefix("$").lower()
    actual = bucket if name == "bucket" else fields.get(name)
    met = actual is not None and (
        actual == expected if operator == "eq" else actual.startswith(expected)
    )
    return None if met else _denied(f"Policy Condition failed: {json.dumps(condition)}")


def check_post_form(
    fields: dict[str, str], bucket: str, size: int, secret_key: str, now: datetime
) -> Refusal | None:
    """What S3 answers a POST upload of `size` bytes with these form fields; None accepts it."""
    fields = {name.lower(): value for name, value in fields.items()}
    policy = fields.get("policy", "")
    credential = fields.get("x-amz-credential", "")
    if not policy or credential.count("/") != 4:
        return Refusal(403, "AccessDenied", "Anonymous POST uploads are not allowed here")
    expected_signature = _signature(secret_key, credential, policy)
    if not hmac.compare_digest(expected_signature, fields.get("x-amz-signature", "")):
        return Refusal(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        )
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except (binascii.Error, ValueError):
        return _denied("Policy could not be decoded")
    expiration = datetime.fromisoformat(document["expiration"].replace("Z", "+00:00"))
    if expiration <= now:
        return _denied("Policy expired.")

    conditions = document.get("conditions", [])
    allowed = {"bucket"}
    for condition in conditions:
        if isinstance(condition, dict):
            allowed.update(name.lower() for name in condition)
        elif condition[0] in ("eq", "starts-with"):
            allowed.add(condition[1].removeprefix("$").lower())
    extra = sorted(
        name
        for name in fields
        if name not in allowed
        and name not in _FIELDS_WITHOUT_CONDITION
        and not name.startswith("x-ignore-")
    )
    if extra:
        return _denied(f"Extra input fields: {', '.join(extra)}")
    for condition in conditions:
        refusal = _condition_failure(condition, fields, bucket, size)
        if refusal is not None:
            return refusal
    return None


def enforce_post_policies(secret_key: str) -> None:
    """Make moto's bucket POST handler refuse uploads the way S3 does."""
    store_upload = S3Response._bucket_response_post

    def checked_post(response: S3Response, request, bucket_name: str):
        response.path = response._get_path(request)
        if response.is_delete_keys():
            return store_upload(response, request, bucket_name)
        fields = {name: value for name, value in response.form_data.items()}
        if "key" not in fields:
            # S3 wants the field named exactly so; moto would fail with a 500 without it.
            return Refusal(
                400, "InvalidArgument", "Bucket POST must contain a field named 'key'"
            ).response()
        body = response.raw_body or b""
        size = len(body.encode() if isinstance(body, str) else body)
        refusal = check_post_form(fields, bucket_name, size, secret_key, datetime.now(UTC))
        if refusal is not None:
            return refusal.response()
        return store_upload(response, request, bucket_name)

    S3Response._bucket_response_post = checked_post
