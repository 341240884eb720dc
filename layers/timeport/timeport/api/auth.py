"""The authorizer's decision: a bearer token in, a simple response out (payload format 2.0)."""

from timeport.domain.users import caller_for_token


def bearer_token(headers: dict | None) -> str | None:
    value = (headers or {}).get("authorization") or ""
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authorize(event: dict) -> dict:
    """`isAuthorized` and, when true, the caller as the context handlers read."""
    token = bearer_token(event.get("headers"))
    caller = caller_for_token(token) if token else None
    if caller is None:
        return {"isAuthorized": False}
    return {
        "isAuthorized": True,
        "context": {
            "user_id": caller.user_id,
            "username": caller.username,
            "role": caller.role,
            "timezone": caller.timezone,
        },
    }
