"""Who may use which page: every endpoint is public or names its roles.

The check runs before every request, so a view that forgets to declare its
roles is refused to everyone rather than open to everyone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for

from spstories.core.vocabulary import Role
from spstories.services.audit import record
from spstories.storage.models import User
from spstories.web.db import get_db

F = TypeVar("F", bound=Callable[..., Any])
ALL_ROLES = frozenset(Role)
# Requests a page makes by itself (progress polling) do not count as the person being active.
PASSIVE_ENDPOINTS = frozenset({"jobs.status"})


def public(view: F) -> F:
    """Mark a view as open to people who are not logged in."""
    view.public = True  # type: ignore[attr-defined]
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Allow only logged-in users with one of these roles."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def any_role(view: F) -> F:
    """Allow every logged-in user."""
    return roles(*ALL_ROLES)(view)


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
    app.before_request(_enforce_access)
    app.context_processor(lambda: {"current_user": g.get("user"), "Role": Role})


def _expiry() -> str | None:
    """Why the session has run out, if it has: too long idle, or too long since login."""
    now = time.time()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    if now - session.get("seen_at", 0) > idle:
        return "idle"
    if now - session.get("login_at", 0) > lifetime:
        return "lifetime"
    return None


def _token_auth() -> bool:
    """API endpoints authenticate by bearer token alone (``spstories.web.api.auth``)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "token_auth", False))


def _load_user() -> None:
    g.user = None
    if _token_auth():
        return  # the session cookie is never read for the API
    user_id = session.get("user_id")
    if user_id is None:
        return
    db = get_db()
    user = db.get(User, user_id)
    expired = _expiry()
    if user is None or not user.active or expired:
        session.clear()
        if user is not None and expired:
            record(db, "session.expired", user=user, reason=expired)
            db.commit()
            flash("Your session has ended"
                  + (" after a time without activity" if expired == "idle" else "")
                  + ". Log in again to carry on.", "info")
        return
    g.user = user
    if request.endpoint not in PASSIVE_ENDPOINTS:
        session["seen_at"] = time.time()


def _enforce_access() -> Any:
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions[request.endpoint]
    if getattr(view, "public", False) or _token_auth():
        return None
    if g.user is None:
        return redirect(url_for("auth.login", next=request.full_path))
    allowed = getattr(view, "allowed_roles", None)
    if not allowed or g.user.role not in {r.value for r in allowed}:
        abort(403)
    return None


def current_user() -> User:
    """The logged-in user (access is enforced before any view runs)."""
    user: User = g.user
    return user
