"""Token authentication for the API: ``Authorization: Bearer <token>``, nothing else.

The session cookie is never read for API calls (``web.access`` leaves API endpoints to this
hook), which is why the API can be exempt from CSRF: a browser that is logged in still
cannot call it on its own, because it never sends a bearer token by itself.
"""

from __future__ import annotations

from flask import current_app, g, request

from spstories.services import tokens
from spstories.storage.models import ApiToken, User
from spstories.web.api.errors import ApiError
from spstories.web.db import get_db


def _secret() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise ApiError(401, "unauthorized",
                       "Send a personal API token: 'Authorization: Bearer <token>'.")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthorized", "Use the Bearer scheme: 'Authorization: Bearer "
                       "<token>'.")
    return secret.strip()


def authenticate() -> None:
    """Before every API request: the token's user becomes the request's user, and their
    role must be one the operation names (and a write needs a token with write access)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not getattr(view, "token_auth", False):
        return
    db = get_db()
    try:
        token = tokens.authenticate(db, _secret(), request.remote_addr or "")
    except tokens.TokenRefused as exc:
        db.commit()  # the refusal's audit event
        raise ApiError(401, "unauthorized", str(exc)) from None
    db.commit()  # the token's last use, kept even when the call itself fails
    g.user = token.user
    g.api_token = token
    allowed = getattr(view, "allowed_roles", frozenset())
    if token.user.role not in {r.value for r in allowed}:
        raise ApiError(403, "forbidden", f"A {token.user.role} cannot use this operation.")
    if view.operation.writes and not token.can_write:
        raise ApiError(403, "forbidden", "This token is read-only; make one with write "
                       "access to change records.")


def current_user() -> User:
    user: User = g.user
    return user


def current_token() -> ApiToken:
    token: ApiToken = g.api_token
    return token
