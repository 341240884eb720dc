"""Users and their API tokens. A token is shown once; only its SHA-256 is stored, which is
enough because tokens are 256 random bits, not passwords a person picked."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

from pynamodb.exceptions import PutError

from timeport.clock import utc_now
from timeport.errors import BadRequest, Conflict, NotFound
from timeport.ids import new_id
from timeport.storage.models import (
    TokenIdRecord,
    TokenRecord,
    UsernameClaim,
    UserRecord,
    user_pk,
)

ROLES = ("user", "admin")
TOKEN_PREFIX = "tp_"
_TOKEN_PATTERN = re.compile(r"^tp_[A-Za-z0-9_-]{43}$")
_USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the authorizer established it."""

    user_id: str
    username: str
    role: str
    timezone: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class NewUser:
    user_id: str
    username: str
    api_token: str
    token_id: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_well_formed_token(token: str) -> bool:
    return bool(_TOKEN_PATTERN.match(token))


_NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_PLACES


def validate_timezone(name: str) -> str:
    """An IANA name of a place (tzdata's 'Factory' and 'localtime' are not places)."""
    if name not in _zone_names():
        raise BadRequest(f"timezone: '{name}' is not an IANA time zone name such as Europe/Berlin")
    return name


def create_user(
    username: str, email: str, role: str = "user", timezone: str = "UTC", token: str | None = None
) -> NewUser:
    """Create a user and their first API token. `token` fixes the token's value (local stack only).

    Plain conditional puts rather than one transaction: the username claim is the only item
    that can conflict, and it is written first."""
    if not _USERNAME_PATTERN.match(username):
        raise BadRequest(
            "username: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    if not _EMAIL_PATTERN.match(email):
        raise BadRequest("email: not a valid e-mail address")
    if role not in ROLES:
        raise BadRequest("role: must be 'user' or 'admin'")
    validate_timezone(timezone)
    token = token or new_token()
    if not is_well_formed_token(token):
        raise BadRequest("api token: must be 'tp_' followed by 43 URL-safe characters")

    user_id = new_id()
    now = utc_now()
    claim = UsernameClaim(pk=f"USERNAME#{username.lower()}", sk="USERNAME", user_id=user_id)
    profile = UserRecord(
        pk=user_pk(user_id),
        sk="PROFILE",
        user_id=user_id,
        username=username,
        email=email,
        role=role,
        timezone=timezone,
        created_at=now,
    )
    token_record, token_index = _token_items(user_id, token, now)
    _claim_username(claim, username)
    try:
        profile.save()
        token_record.save(condition=TokenRecord.pk.does_not_exist())
        token_index.save()
    except PutError:
        # Leave nothing half-made: the username becomes free again for the next attempt.
        for record in (token_index, token_record, profile, claim):
            record.delete()
        raise
    return NewUser(
        user_id=user_id, username=username, api_token=token, token_id=token_record.token_id
    )


def _token_items(user_id: str, token: str, now) -> tuple[TokenRecord, TokenIdRecord]:
    """The token (found by its hash) and its index (found by its id, for revoking)."""
    token_id = "tok_" + new_id()
    token_hash = hash_token(token)
    return (
        TokenRecord(
            pk=f"TOKEN#{token_hash}", sk="TOKEN", token_id=token_id, user_id=user_id, created_at=now
        ),
        TokenIdRecord(
            pk=f"TOKENID#{token_id}", sk="TOKENID", token_hash=token_hash, user_id=user_id
        ),
    )


def issue_token(user_id: str) -> NewUser:
    """A new API token for an existing user (one restored from a backup has none on a new
    stack; one who lost theirs needs another). Earlier tokens keep working until revoked."""
    try:
        profile = UserRecord.get(user_pk(user_id), "PROFILE", consistent_read=True)
    except UserRecord.DoesNotExist as error:
        raise NotFound(f"No user with id '{user_id}'") from error
    token = new_token()
    token_record, token_index = _token_items(user_id, token, utc_now())
    token_record.save(condition=TokenRecord.pk.does_not_exist())
    token_index.save()
    return NewUser(
        user_id=user_id, username=profile.username, api_token=token, token_id=token_record.token_id
    )


def _claim_username(claim: UsernameClaim, username: str) -> None:
    """Reserve the name with a conditional put. A retried put that finds our own claim (the
    first attempt did land) is not a conflict."""
    try:
        claim.save(condition=UsernameClaim.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        holder = UsernameClaim.get(claim.pk, claim.sk, consistent_read=True)
        if holder.user_id != claim.user_id:
            raise Conflict(f"username: '{username}' is already taken") from error


def revoke_token(token_id: str) -> str:
    """Delete a token by its id; returns its user's id. The authorizer's cache may accept it
    for up to its TTL (30 s in template.yaml) afterwards."""
    try:
        index = TokenIdRecord.get(f"TOKENID#{token_id}", "TOKENID", consistent_read=True)
    except TokenIdRecord.DoesNotExist as error:
        raise NotFound(f"No token with id '{token_id}'") from error
    # The token first: once it is gone nobody can use it, whatever happens to the index item.
    TokenRecord(f"TOKEN#{index.token_hash}", "TOKEN").delete()
    index.delete()
    return index.user_id


def caller_for_token(token: str) -> Caller | None:
    """The user a bearer token belongs to, or None for a malformed or unknown token."""
    if not is_well_formed_token(token):
        return None
    try:
        token_record = TokenRecord.get(f"TOKEN#{hash_token(token)}", "TOKEN")
        profile = UserRecord.get(user_pk(token_record.user_id), "PROFILE")
    except TokenRecord.DoesNotExist:
        return None
    except UserRecord.DoesNotExist:
        return None
    return Caller(
        user_id=profile.user_id,
        username=profile.username,
        role=profile.role,
        timezone=profile.timezone,
    )


def get_user(user_id: str) -> UserRecord:
    return UserRecord.get(user_pk(user_id), "PROFILE")


def list_users() -> list[UserRecord]:
    """Every user's profile, ordered by id.

    A filtered Scan of the data table: it reads every item, which suits the rare admin-wide
    exports and backups that call it, not a per-request path.
    """
    profiles = UserRecord.scan(UserRecord.sk == "PROFILE")
    return sorted(profiles, key=lambda profile: profile.user_id)
