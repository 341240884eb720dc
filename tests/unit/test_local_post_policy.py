"""The local stack's stand-in for S3's POST policy checks (infra/local/s3_post_policy.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from botocore.config import Config
from botocore.session import get_session

from infra.local.s3_post_policy import check_post_form

SECRET = "local"
BUCKET = "timeport-data"
KEY = "uploads/csv/u1/i1.csv"


@pytest.fixture
def form() -> dict[str, str]:
    """The fields botocore signs for a 1..100-byte text/csv upload to KEY, valid 15 minutes."""
    client = get_session().create_client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4"),
    )
    grant = client.generate_presigned_post(
        Bucket=BUCKET,
        Key=KEY,
        Fields={"Content-Type": "text/csv"},
        Conditions=[{"Content-Type": "text/csv"}, ["content-length-range", 1, 100]],
        ExpiresIn=900,
    )
    return grant["fields"]


def answer(fields: dict, size: int = 10, minutes_later: int = 0) -> tuple[int, str] | None:
    now = datetime.now(UTC) + timedelta(minutes=minutes_later)
    refusal = check_post_form(fields, BUCKET, size, SECRET, now)
    return None if refusal is None else (refusal.status, refusal.code)


def test_the_form_botocore_signed_is_accepted_at_both_ends_of_its_size_range(form):
    assert answer(form, size=1) is None
    assert answer(form, size=100) is None


def test_a_file_outside_the_size_range_gets_the_s3_error_codes(form):
    assert answer(form, size=101) == (400, "EntityTooLarge")
    assert answer(form, size=0) == (400, "EntityTooSmall")


def test_an_expired_policy_is_refused(form):
    assert answer(form, minutes_later=16) == (403, "AccessDenied")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("key", "uploads/csv/u2/i1.csv", (403, "AccessDenied")),
        ("Content-Type", "text/html", (403, "AccessDenied")),
        ("x-amz-meta-note", "hello", (403, "AccessDenied")),
        ("x-amz-signature", "0" * 64, (403, "SignatureDoesNotMatch")),
        ("x-ignore-anything", "free", None),
    ],
)
def test_a_changed_or_added_field_is_refused_unless_s3_ignores_it(form, field, value, expected):
    assert answer({**form, field: value}) == expected


def test_a_form_without_a_policy_is_an_anonymous_upload_and_refused(form):
    unsigned = {name: value for name, value in form.items() if name != "policy"}

    assert answer(unsigned) == (403, "AccessDenied")


def test_a_policy_signed_with_another_secret_is_refused(form):
    refusal = check_post_form(form, BUCKET, 10, "another-secret", datetime.now(UTC))

    assert (refusal.status, refusal.code) == (403, "SignatureDoesNotMatch")
