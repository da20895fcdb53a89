"""One database session per request, closed at teardown (flaskr's pattern)."""

from __future__ import annotations

from typing import TypeVar

from flask import Flask, abort, current_app, g
from sqlalchemy.orm import Session

from spstories.storage.db import make_engine, make_session_factory
from spstories.storage.queries import get_scoped

T = TypeVar("T")


def init_app(app: Flask) -> None:
    engine = make_engine(
        app.config["DATABASE_URL"], busy_timeout=app.config.get("SQLITE_BUSY_TIMEOUT")
    )
    app.extensions["spstories.engine"] = engine
    # Under test a change without an audit event fails the request; in service it is logged.
    strict = app.config.get("AUDIT_STRICT", app.testing)
    app.extensions["spstories.sessions"] = make_session_factory(
        engine, unaudited="raise" if strict else "warn")
    app.teardown_appcontext(close_db)


def get_db() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["spstories.sessions"]()
    return g.db


def get_or_404(model: type[T], object_id: int) -> T:
    """The record if it is in one of the current user's organisations, else a 404 (which
    does not say whether it exists)."""
    found = get_scoped(get_db(), model, object_id, g.user)
    if found is None:
        abort(404)
    return found


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
