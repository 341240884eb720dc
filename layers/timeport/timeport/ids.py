"""Identifiers: time-ordered so that newest-first listings come from the sort key, and long
enough in randomness (80 bits) that nobody guesses another user's job."""

import secrets
import time

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, remainder = divmod(number, 32)
        chars.append(_CROCKFORD[remainder])
    return "".join(reversed(chars))


def new_id() -> str:
    """A 26-character ULID-like id: 48 bits of milliseconds, then 80 random bits."""
    millis = time.time_ns() // 1_000_000
    return _base32(millis, 10) + _base32(secrets.randbits(80), 16)


def id_floor(seconds_ago: float) -> str:
    """The smallest id made `seconds_ago` seconds ago: every id made since sorts above it."""
    millis = time.time_ns() // 1_000_000 - int(seconds_ago * 1000)
    return _base32(millis, 10) + _CROCKFORD[0] * 16
