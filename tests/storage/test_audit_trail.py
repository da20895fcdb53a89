"""The audit trail's hash chain (sealed at commit, sound under concurrent writers, tampering
shows) and the check that every change is audited."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from spstories.services import audit
from spstories.storage.audit_trail import UnauditedChange, verify
from spstories.storage.db import make_engine, make_session_factory
from spstories.storage.models import AuditEvent, AuditLink, Client, DashboardStale


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _check(engine):
    with engine.connect() as connection:
        return verify(connection)


def _record(db, n=3, **details):
    for i in range(n):
        audit.record(db, "test.event", n=i, **details)
        db.commit()


def _tamper(engine, *statements):
    """Run SQL with the append-only triggers (and foreign keys) out of the way, as someone
    with full access to the database could."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("PRAGMA foreign_keys = OFF"))
            for trigger in ("audit_events_no_update", "audit_events_no_delete",
                            "audit_chain_no_update", "audit_chain_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        for statement, params in statements:
            conn.execute(text(statement), params)


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_every_committed_event_is_sealed_in_order(db, engine):
    before = _count(db, AuditLink)  # the shipped codebooks' loading is in the trail already
    _record(db)
    links = db.scalars(select(AuditLink).order_by(AuditLink.position)).all()
    events = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    assert [link.event_id for link in links] == events
    assert [link.position for link in links] == list(range(1, before + 4))
    assert links[-1].prev_hash == links[-2].hash
    result = _check(engine)
    assert result.ok and result.events == result.links == before + 3
    assert result.head == links[-1].hash


def test_a_rolled_back_event_leaves_no_link(db, engine):
    before = _count(db, AuditLink)
    audit.record(db, "test.event")
    db.flush()
    db.rollback()
    _record(db, 1)
    assert _check(engine).ok
    assert _count(db, AuditLink) == before + 1


def test_a_changed_event_breaks_the_chain(db, engine):
    _record(db)
    link = db.scalars(select(AuditLink).order_by(AuditLink.position.desc())).all()[1]
    _tamper(engine, ("UPDATE audit_events SET action = 'nothing' WHERE id = :id",
                     {"id": link.event_id}))
    result = _check(engine)
    assert result.problems == [f"event {link.event_id} (link {link.position}) has been changed"]


def test_a_removed_event_and_link_break_the_chain(db, engine):
    _record(db)
    link = db.scalars(select(AuditLink).order_by(AuditLink.position.desc())).all()[1]
    n = link.position
    _tamper(engine, ("DELETE FROM audit_chain WHERE position = :n", {"n": n}),
            ("DELETE FROM audit_events WHERE id = :id", {"id": link.event_id}))
    assert _check(engine).problems == [f"link {n} is missing (the chain jumps to {n + 1})",
                                       f"link {n + 1} does not follow the link before it"]


def test_an_event_written_around_the_application_is_reported(db, engine):
    _record(db, 1)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (occurred_at, action, details) "
                          "VALUES ('2026-01-01 00:00:00', 'forged', '{}')"))
    (problem,) = _check(engine).problems
    assert "never sealed" in problem


def test_concurrent_writers_extend_one_chain(db, engine):
    before = _count(db, AuditLink)
    factory = make_session_factory(engine)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(15):
                with factory() as session:
                    audit.record(session, "test.event", worker=worker, i=i)
                    audit.record(session, "test.event", worker=worker, i=i, second=True)
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = _check(engine)
    assert result.ok, result.problems
    assert result.events == result.links == before + 4 * 15 * 2


def test_the_chain_is_append_only_in_sql(db):
    _record(db, 1)
    for statement in ("UPDATE audit_chain SET hash = 'x'", "DELETE FROM audit_chain"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(text(statement))
            db.commit()
        db.rollback()


def test_postgresql_refuses_to_truncate_the_trail(db):
    if db.bind.dialect.name != "postgresql":
        return  # SQLite has no TRUNCATE; its DELETE runs the row triggers
    _record(db, 1)
    for table in ("audit_chain", "audit_events"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(text(f"TRUNCATE {table} CASCADE"))
        db.rollback()


def test_a_change_without_an_audit_event_can_be_refused(engine, orgs):
    strict = make_session_factory(engine, unaudited="raise")
    with strict() as session:
        session.add(Client(organisation_id=orgs["north"].id, reference="U-1"))
        with pytest.raises(UnauditedChange, match="clients"):
            session.commit()
        session.rollback()
        client = Client(organisation_id=orgs["north"].id, reference="U-1")
        session.add(client)
        session.flush()
        audit.record(session, "client.create", obj=client)
        session.commit()
        # Derived summaries need no event of their own.
        session.add(DashboardStale(client_id=client.id))
        session.commit()
    assert _check(engine).ok
