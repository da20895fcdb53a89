"""Creating and upgrading the database."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from spstories.errors import SpstoriesError
from spstories.storage import dashboard_summaries, db
from spstories.storage.models import Base


def has_tables(engine: Engine) -> bool:
    return bool(set(inspect(engine).get_table_names()) & set(Base.metadata.tables))


def init_db(engine: Engine) -> str:
    """Create the schema on an empty database by running every migration."""
    if db.current_revision(engine) is not None or has_tables(engine):
        if db.is_up_to_date(engine):
            return "The database is already initialised and up to date."
        raise SpstoriesError(
            "The database already has spstories tables at an older revision; "
            "run 'spstories upgrade-db'."
        )
    db.upgrade(engine)
    return f"Initialised the database at revision {db.head_revision()}."


def upgrade_db(engine: Engine) -> str:
    """Apply new migrations and rebuild the dashboard summaries from scratch (so a release
    that computes them differently takes effect on upgrade, without its own migration)."""
    before = db.current_revision(engine)
    if before is None and has_tables(engine):
        raise SpstoriesError(
            "The database has tables but no migration history; refusing to touch it."
        )
    clients = db.upgrade(engine, rebuild_dashboard=True)
    after = db.current_revision(engine)
    rebuilt = f" Dashboard summaries rebuilt for {clients} clients."
    if before == after:
        return f"The database is up to date (revision {after}).{rebuilt}"
    return f"Upgraded the database from {before or 'empty'} to {after}.{rebuilt}"


def rebuild_dashboard(engine: Engine) -> str:
    """Recompute every client's dashboard summaries from the base tables."""
    if not db.is_up_to_date(engine):
        raise SpstoriesError("The database is not up to date; run 'spstories upgrade-db'.")
    with db.session_scope(db.make_session_factory(engine)) as session:
        clients = dashboard_summaries.rebuild(session)
    return f"Rebuilt the dashboard summaries of {clients} clients."


def ensure_current(engine: Engine, *, auto_upgrade: bool) -> None:
    """Make sure the schema is current before serving; upgrade SQLite when allowed."""
    if db.is_up_to_date(engine):
        return
    if auto_upgrade:
        upgrade_db(engine)
        return
    raise SpstoriesError(
        f"The database is at revision {db.current_revision(engine) or 'none'}, the code needs "
        f"{db.head_revision()}: run 'spstories upgrade-db' first."
    )
