"""Users and their API tokens. A token is shown once; only its SHA-256 is stored, which is
enough because tokens are 256 random bits, not passwords a person picked."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from timeport.clock import utc_now
from timeport.errors import BadRequest, Conflict
from timeport.ids import new_id
from timeport.settings import get_settings
from timeport.storage.models import TokenRecord, UsernameClaim, UserRecord, user_pk

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


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_well_formed_token(token: str) -> bool:
    return bool(_TOKEN_PATTERN.match(token))


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise BadRequest(
            f"timezone: '{name}' is not an IANA time zone name such as Europe/Berlin"
        ) from error
    if name not in available_timezones() and name != "UTC":
        raise BadRequest(f"timezone: '{name}' is not an IANA time zone name such as Europe/Berlin")
    return name


def create_user(
    username: str, email: str, role: str = "user", timezone: str = "UTC", token: str | None = None
) -> NewUser:
    """Create a user and their first API token. `token` fixes the token's value (local stack only)."""
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
    token_record = TokenRecord(
        pk=f"TOKEN#{hash_token(token)}",
        sk="TOKEN",
        token_id=new_id(),
        user_id=user_id,
        created_at=now,
    )
    try:
        with TransactWrite(connection=Connection(region=get_settings().region)) as transaction:
            transaction.save(claim, condition=UsernameClaim.pk.does_not_exist())
            transaction.save(profile)
            transaction.save(token_record, condition=TokenRecord.pk.does_not_exist())
    except TransactWriteError as error:
        reasons = error.cancellation_reasons or []
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise Conflict(f"username: '{username}' is already taken") from error
        raise
    return NewUser(user_id=user_id, username=username, api_token=token)


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
