"""The summaries' triggers and migration: every watched table marks its clients stale, on
SQLite and PostgreSQL, and revision 0010 downgrades and upgrades cleanly."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import func, insert, select, text

from spstories.storage import dashboard_summaries as summaries
from spstories.storage.db import _alembic_config, current_revision, make_engine, upgrade
from spstories.storage.models import Client, DashboardClient, DashboardStale, Feedback, Tag

WATCHED = {
    "clients": ("insert", "update"),  # deleting a client cascades to its summaries
    "tags": ("insert", "update", "delete"),
    "measure_responses": ("insert", "update", "delete"),
    "measure_scores": ("insert", "update", "delete"),
    "case_studies": ("insert", "update", "delete"),
    "feedback": ("insert", "update", "delete"),
}


def _triggers(conn) -> set[str]:  # type: ignore[no-untyped-def]
    if conn.dialect.name == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return {n for n in conn.execute(text(sql)).scalars() if n.startswith("dashboard_stale_")}


def test_every_watched_table_has_its_triggers(database_url):
    # A later migration that rebuilds one of these tables on SQLite (batch mode) drops its
    # triggers: it must create them again, or the dashboard silently goes stale.
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert _triggers(conn) == {f"dashboard_stale_{t}_{e}" for t, es in WATCHED.items()
                                   for e in es}
    engine.dispose()


def test_bulk_sql_marks_clients_and_the_refresh_recomputes_them(db, orgs):
    north = orgs["north"].id
    db.execute(insert(Client), [{"organisation_id": north, "reference": f"B{i}"}
                                for i in range(3)])
    ids = sorted(db.scalars(select(Client.id)))
    assert sorted(db.scalars(select(DashboardStale.client_id))) == ids
    db.execute(insert(Feedback), [{"organisation_id": north, "client_id": ids[0],
                                   "source": "client", "channel": "survey",
                                   "received_on": date(2025, 1, 1), "text": "x"}])
    assert summaries.refresh_stale(db) == 3
    assert db.scalar(select(func.count()).select_from(DashboardStale)) == 0
    rows = {r.client_id: r for r in db.scalars(select(DashboardClient))}
    assert sorted(rows) == ids and [rows[i].narrative for i in ids] == [1, 0, 0]
    db.commit()


def test_tag_rows_without_a_client_mark_nothing(db, orgs):
    feedback = Feedback(organisation_id=orgs["north"].id, source="client", channel="survey",
                        received_on=date(2025, 1, 1), text="no client")
    db.add(feedback)
    db.flush()
    code_id = db.execute(text("SELECT id FROM codes LIMIT 1")).scalar()
    db.add(Tag(organisation_id=orgs["north"].id, feedback_id=feedback.id, field="text",
               code_id=code_id, polarity="improved", start_offset=0, end_offset=2,
               evidence="no", origin="rule"))
    db.flush()
    assert db.scalar(select(func.count()).select_from(DashboardStale)) == 0
    db.commit()


def test_revision_0010_downgrades_and_upgrades(db, orgs, database_url):
    db.add(Client(organisation_id=orgs["north"].id, reference="KEPT"))
    db.commit()
    db.close()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0009")  # takes 0010 off, nothing else
    assert "0010" not in (current_revision(engine) or "")
    with engine.connect() as conn:
        assert _triggers(conn) == set()
        assert not any(n.startswith("dashboard_") for n in
                       conn.dialect.get_table_names(conn))
    upgrade(engine)  # marks every client stale and refreshes them
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DashboardClient)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(DashboardStale)).scalar() == 0
        assert len(_triggers(conn)) == 17
    engine.dispose()
