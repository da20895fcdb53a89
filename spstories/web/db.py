"""One database session per request, closed at teardown (flaskr's pattern)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from spstories.storage.db import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
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


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
