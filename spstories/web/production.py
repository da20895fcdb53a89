"""Starting the app under a production WSGI server (gunicorn, see ``gunicorn.conf.py``).

``create_production_app`` is what each worker serves: the configuration is checked (secret
key from the environment, no debug, Secure cookies) and an out-of-date schema is refused on
any database, because several workers must never migrate at once. ``prepare`` runs once in
gunicorn's master before any worker starts: it checks the same things, upgrades a SQLite
database as ``spstories serve`` does and refuses an out-of-date PostgreSQL one, and reports
any of it as one clear line.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from spstories.errors import SpstoriesError
from spstories.services.codebooks import latest_version
from spstories.services.database import ensure_current
from spstories.services.tagging import OUTCOMES_CODEBOOK, tagger_for
from spstories.storage.db import make_engine
from spstories.web import create_app


def create_production_app() -> Flask:
    """The app for a worker of a production server; raises SpstoriesError if unsafe."""
    _log_with_server()
    app = create_app(production=True)
    engine = app.extensions["spstories.engine"]
    try:
        ensure_current(engine, auto_upgrade=False)
    except SpstoriesError:
        engine.dispose()
        raise
    _warm_tagger(app)
    return app


def _warm_tagger(app: Flask) -> None:
    """Build the tagger before the first request: built inside a request, it would take
    seconds while that request holds SQLite's write lock and every other writer waits."""
    with app.extensions["spstories.sessions"]() as session:
        codebook = latest_version(session, OUTCOMES_CODEBOOK)
        if codebook is not None:
            _spec, tagger = tagger_for(codebook)
            tagger.tag("Warming up: now goes to the walking group and feels less lonely.")


def _log_with_server() -> None:
    """Send the app's warnings (database faults, failed jobs) to gunicorn's error log."""
    server = logging.getLogger("gunicorn.error")
    if server.handlers:
        ours = logging.getLogger("spstories")
        ours.handlers = list(server.handlers)
        ours.setLevel(server.level)
        ours.propagate = False


def prepare() -> None:
    """Check the configuration and the schema before the workers start (gunicorn's master).

    Raises RuntimeError, which gunicorn prints as ``Error: ...`` before it exits.
    """
    try:
        app = create_app(production=True)
        app.extensions["spstories.engine"].dispose()
        engine = make_engine(app.config["DATABASE_URL"])
        try:
            ensure_current(engine, auto_upgrade=engine.dialect.name == "sqlite")
        finally:
            # Connections made here must not be shared with the forked workers.
            engine.dispose()
    except SpstoriesError as exc:
        raise RuntimeError(f"spstories cannot start: {exc}") from exc
    except SQLAlchemyError as exc:
        # The driver's words only (they name the host, never the password).
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0]
        raise RuntimeError(
            f"spstories cannot start: cannot use the database ({reason}); check DATABASE_URL."
        ) from exc
