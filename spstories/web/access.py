"""Who may use which page: every endpoint is public or names its roles.

The check runs before every request, so a view that forgets to declare its
roles is refused to everyone rather than open to everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from spstories.core.vocabulary import Role
from spstories.storage.models import User
from spstories.web.db import get_db

F = TypeVar("F", bound=Callable[..., Any])
ALL_ROLES = frozenset(Role)


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


def _token_auth() -> bool:
    """API endpoints authenticate by bearer token alone (``spstories.web.api.auth``)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "token_auth", False))


def _load_user() -> None:
    g.user = None
    if _token_auth():
        return  # the session cookie is never read for the API
    user_id = session.get("user_id")
    if user_id is not None:
        user = get_db().get(User, user_id)
        if user is not None and user.active:
            g.user = user
        else:
            session.clear()


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
