"""Bearer-token guard for /internal/*: constant-time, several tokens, never open."""

from __future__ import annotations

import hmac

from flask import Request, Response

from blueprints.errors import error_response


def token_is_valid(presented: str, configured: tuple[str, ...]) -> bool:
    """Compare against every configured token without an early exit (no timing leak)."""
    presented_bytes = presented.encode()
    valid = False
    for token in configured:
        valid |= hmac.compare_digest(presented_bytes, token.encode())
    return valid


def reject_unless_authorised(request: Request, configured: tuple[str, ...]) -> Response | None:
    """Return an error response for a request that may not pass, else None."""
    if not configured:
        return error_response(503, "internal API disabled: INTERNAL_API_TOKEN is not configured")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip() or not token_is_valid(presented.strip(), configured):
        return error_response(
            401, "missing or invalid bearer token", headers={"WWW-Authenticate": 'Bearer realm="internal"'}
        )
    return None
