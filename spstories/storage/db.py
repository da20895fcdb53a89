"""Engines, sessions and migrations applied from code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from spstories.storage import audit_trail, dashboard_summaries

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` forms and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# SQLite: how long a writer waits for another's lock before giving up. Kept under
# gunicorn's worker timeout (30 s), so a stuck lock gives the "database busy" page, not a
# killed worker.
SQLITE_BUSY_TIMEOUT = 20.0
# PostgreSQL: how long to wait for the server to answer a new connection.
POSTGRES_CONNECT_TIMEOUT = 10


def make_engine(url: str, *, busy_timeout: float | None = None, **kwargs: Any) -> Engine:
    """Create an engine. SQLite gets foreign keys, WAL and a busy timeout of ``busy_timeout``
    seconds; PostgreSQL gets a connect timeout and a check of pooled connections before use
    (so a restarted server costs no failed request). Error messages never carry a
    statement's parameters: they can be a client's story, and errors end up in logs."""
    url = normalise_url(url)
    kwargs.setdefault("hide_parameters", True)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        timeout = SQLITE_BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        kwargs.setdefault("connect_args", {"timeout": timeout})
    elif backend == "postgresql":
        kwargs.setdefault("connect_args", {"connect_timeout": POSTGRES_CONNECT_TIMEOUT})
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers carry on while one writer commits; the busy timeout (set by the
    # driver from ``timeout``) makes concurrent writers wait for each other, not fail.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_session_factory(engine: Engine, *, unaudited: str = "warn") -> sessionmaker[Session]:
    """Sessions that bring the dashboard summaries up to date and seal their audit events
    before each commit; ``unaudited`` says what a change without an audit event does
    (``storage.audit_trail``)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    dashboard_summaries.install(factory)
    audit_trail.install(factory, unaudited=unaudited)
    return factory


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back whole on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "heads", *, rebuild_dashboard: bool = False) -> int:
    """Apply migrations up to ``revision`` (all of them, on every branch, by default), then
    recompute the dashboard summaries: of every client (``rebuild_dashboard``), or of the
    clients a migration marked stale. Returns how many clients' summaries were computed."""
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)
        with Session(bind=connection) as session:
            if rebuild_dashboard:
                return dashboard_summaries.rebuild(session)
            return dashboard_summaries.refresh_stale(session)


def upgrade_connection(connection: Connection, revision: str = "heads") -> None:
    """Apply migrations up to ``revision`` inside ``connection``'s transaction (restore)."""
    command.upgrade(_alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The database's revision(s), comma-separated when features migrate on branches."""
    with engine.connect() as connection:
        return current_revision_of(connection)


def current_revision_of(connection: Connection) -> str | None:
    """``current_revision``, inside a transaction already open on ``connection``."""
    heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def known_revisions() -> set[str]:
    """Every revision this code has a migration for."""
    scripts = ScriptDirectory.from_config(_alembic_config(None))
    return {script.revision for script in scripts.walk_revisions()}


def head_revision() -> str | None:
    """The code's newest revision(s), in the same form as ``current_revision``."""
    heads = ScriptDirectory.from_config(_alembic_config(None)).get_heads()
    return ",".join(sorted(heads)) or None


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
