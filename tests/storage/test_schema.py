"""The schema: migrations match the models, constraints hold, audit is append-only."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from spstories.storage.db import head_revision, make_engine
from spstories.storage.models import AuditEvent, AuditTrailIsAppendOnly, Base, Client, Tag


def test_migrations_produce_exactly_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert diff == []


def test_database_is_at_head(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
        assert ",".join(sorted(revisions)) == head_revision()
    engine.dispose()


def test_constraint_names_follow_the_convention():
    names = {c.name for table in Base.metadata.tables.values() for c in table.constraints}
    assert "ck_users_role" in names
    assert "fk_clients_organisation_id_organisations" in names
    assert all(n and n.split("_")[0] in {"pk", "fk", "uq", "ck"} for n in names)


def test_foreign_keys_are_enforced(db):
    db.add(Client(organisation_id=9999, reference="X-1"))
    with pytest.raises(IntegrityError):
        db.commit()


def test_vocabulary_checks_are_enforced(db, orgs):
    db.add(Client(organisation_id=orgs["north"].id, reference="X-2", gender="robot"))
    with pytest.raises(IntegrityError):
        db.commit()


def test_imd_decile_must_be_1_to_10(db, orgs):
    db.add(Client(organisation_id=orgs["north"].id, reference="X-3", imd_decile=11))
    with pytest.raises(IntegrityError):
        db.commit()


def test_client_reference_is_unique_within_an_organisation(db, orgs):
    for org in ("north", "north"):
        db.add(Client(organisation_id=orgs[org].id, reference="SAME"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    db.add_all([Client(organisation_id=orgs[o].id, reference="SAME") for o in ("north", "south")])
    db.commit()


def test_a_tag_belongs_to_exactly_one_document(db, orgs):
    code_id = db.execute(text("SELECT id FROM codes LIMIT 1")).scalar()
    db.add(
        Tag(
            organisation_id=orgs["north"].id,
            code_id=code_id,
            polarity="improved",
            start_offset=0,
            end_offset=5,
            evidence="hello",
            origin="rule",
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()


def test_audit_events_cannot_be_changed_through_the_orm(db):
    event = AuditEvent(action="test", details={})
    db.add(event)
    db.commit()
    event.action = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.commit()
    db.rollback()
    db.delete(event)
    with pytest.raises(AuditTrailIsAppendOnly):
        db.commit()


def test_audit_events_cannot_be_changed_in_sql_either(db):
    db.add(AuditEvent(action="test", details={}))
    db.commit()
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises((IntegrityError, StatementError, Exception)) as info:
            db.execute(text(statement))
            db.commit()
        assert "append-only" in str(info.value)
        db.rollback()


def test_dates_round_trip(db, orgs):
    from spstories.storage.models import Referral

    client = Client(organisation_id=orgs["north"].id, reference="D-1")
    db.add(client)
    db.flush()
    db.add(
        Referral(
            organisation_id=orgs["north"].id,
            client_id=client.id,
            referred_on=date(2026, 3, 1),
            source="gp",
            needs=["loneliness"],
        )
    )
    db.commit()
    assert client.referrals[0].referred_on == date(2026, 3, 1)
