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
from sqlalchemy import Engine, create_engine, event
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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout."""
    url = normalise_url(url)
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    if is_sqlite:
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers carry on while one writer commits; the busy timeout makes
    # concurrent writers wait for each other instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
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


def current_revision(engine: Engine) -> str | None:
    """The database's revision(s), comma-separated when features migrate on branches."""
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def head_revision() -> str | None:
    """The code's newest revision(s), in the same form as ``current_revision``."""
    heads = ScriptDirectory.from_config(_alembic_config(None)).get_heads()
    return ",".join(sorted(heads)) or None


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
