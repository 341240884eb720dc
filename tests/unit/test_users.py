"""Users and tokens: unique names, hashed tokens, revocation."""

import hashlib

import pytest

from timeport.domain.users import (
    _claim_username,
    caller_for_token,
    create_user,
    revoke_token,
)
from timeport.errors import BadRequest, Conflict, NotFound
from timeport.storage.models import TokenRecord, UsernameClaim


def test_a_token_is_stored_only_as_its_hash_and_finds_its_user(aws):
    user = create_user("Robin", "robin@example.com", "admin", "Europe/Berlin")

    stored = TokenRecord.get(
        f"TOKEN#{hashlib.sha256(user.api_token.encode()).hexdigest()}", "TOKEN"
    )
    caller = caller_for_token(user.api_token)

    assert stored.user_id == user.user_id
    assert user.api_token not in str(stored.serialize())
    assert (caller.user_id, caller.username, caller.role, caller.timezone) == (
        user.user_id,
        "Robin",
        "admin",
        "Europe/Berlin",
    )


def test_usernames_are_unique_whatever_their_case(aws):
    create_user("robin", "robin@example.com")

    with pytest.raises(Conflict, match="username: 'ROBIN' is already taken"):
        create_user("ROBIN", "other@example.com")


def test_a_retried_claim_that_finds_its_own_earlier_write_is_no_conflict(aws):
    claim = UsernameClaim(pk="USERNAME#sam", sk="USERNAME", user_id="u1")
    claim.save()

    _claim_username(UsernameClaim(pk="USERNAME#sam", sk="USERNAME", user_id="u1"), "sam")
    with pytest.raises(Conflict):
        _claim_username(UsernameClaim(pk="USERNAME#sam", sk="USERNAME", user_id="u2"), "sam")


def test_a_revoked_token_no_longer_finds_its_user(aws):
    user = create_user("robin", "robin@example.com")

    assert revoke_token(user.token_id) == user.user_id
    assert caller_for_token(user.api_token) is None
    with pytest.raises(NotFound):
        revoke_token(user.token_id)


@pytest.mark.parametrize("timezone", ["Mars/Olympus", "localtime", "Factory", ""])
def test_only_real_iana_time_zones_are_accepted(aws, timezone):
    with pytest.raises(BadRequest, match="timezone"):
        create_user("robin", "robin@example.com", timezone=timezone)
