"""Subject access exports everything held about a client; erasure removes all of it, and
nothing of anyone else's, in every table (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import JSON, String, Text, func, select

from spstories.services import dashboard, erasure, reports, subject_access
from spstories.services.client_data import gather
from spstories.services.subject_access import ClientRightsError
from spstories.storage import audit_trail, dashboard_summaries
from spstories.storage.models import AuditEvent, Base, Client, ReportVersion
from tests.client_data import make_client

MINE, THEIRS = "ZEBRAQUILL", "OTTERPLUME"


@pytest.fixture
def two(db, orgs, users):
    mine = make_client(db, orgs["north"], users, MINE, "SAR-1")
    theirs = make_client(db, orgs["north"], users, THEIRS, "KEEP-1", run=mine.run,
                         project=mine.project)
    return mine, theirs


def tables_reaching_clients() -> set[str]:
    """Every table with a foreign-key path to ``clients`` (worked out here, independently)."""
    reached, grew = {"clients"}, True
    while grew:
        grew = False
        for table in Base.metadata.sorted_tables:
            if table.name not in reached and any(
                    fk.column.table.name in reached for fk in table.foreign_keys):
                reached.add(table.name)
                grew = True
    return reached


def text_hits(db, word: str) -> dict[str, int]:
    """table -> rows with ``word`` in any text or JSON column."""
    hits = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        n = sum(1 for row in db.execute(select(*columns))
                if any(word in json.dumps(v, default=str) for v in row))
        if n:
            hits[table.name] = n
    return hits


def test_subject_access_holds_every_table_that_reaches_the_client(db, two, users):
    mine, _theirs = two
    manager = users["manager"]
    download = subject_access.export(db, manager, mine.client)
    db.commit()
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    stem = download.filename.removesuffix(".zip")
    data = json.loads(archive.read(f"{stem}/data.json"))
    # A table a new feature adds with a path to clients must be filled by
    # tests/client_data.py, and then it is in the export without anyone listing it.
    assert set(data["tables"]) == tables_reaching_clients()
    whole = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert THEIRS not in whole and "KEEP-1" not in whole
    for table, rows in data["tables"].items():
        assert rows, table
        assert f"{stem}/tables/{table}.csv" in archive.namelist()
    assert [r["id"] for r in data["tables"]["clients"]] == [mine.client.id]
    assert {r["client_id"] for r in data["tables"]["tags"]} == {mine.client.id}
    assert len(data["tables"]["project_documents"]) == 3  # two copies and an import naming them
    assert data["report_quotes"] and all(MINE in q["text"] for q in data["report_quotes"])
    assert len(data["topic_sentences"]) == 2 and data["codebook_examples"]
    actions = {e["action"] for e in data["audit_events"]}
    assert {"client.create", "case_study.submit", "measure.record", "tag.review",
            "research.document.add"} <= actions
    summary = archive.read(f"{stem}/summary.html").decode()
    assert "has made new friends" in summary and "Who has seen or changed the record" in summary
    assert "added client SAR-1" in summary
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "client.subject_access"))
    assert event.client_id == mine.client.id and event.user_id == manager.id
    assert event.details["rows"]["tags"] == len(data["tables"]["tags"])


def _figures(db, user):
    figures = dashboard.build(db, user, dashboard.Filters(include_modified=True))
    pairs = sum(row.summary.n for row in figures.measures[None])
    return sum(v[0] for v in figures.coverage.values()), pairs, figures.outcomes


def test_erasure_leaves_no_trace_of_the_client_and_keeps_everyone_else(db, two, users):
    mine, theirs = two
    manager = users["manager"]
    client_id = mine.client.id
    assert text_hits(db, MINE)  # the marker is everywhere before
    theirs_before = text_hits(db, THEIRS)
    clients_before, pairs_before, _ = _figures(db, manager)
    version = db.scalars(select(ReportVersion).where(
        ReportVersion.report_id == mine.report.id)).one()

    done = erasure.erase(db, manager, mine.client, "SAR-1")
    db.commit()

    assert done.rows["clients"] == 1 and done.rows["tags"] == len(mine.tags)
    assert [e.version for e in done.exports] == [version.number]
    db.expire_all()
    # Nothing anywhere holds the client's words, the audit trail included ...
    assert text_hits(db, MINE) == {}
    # ... nor points at them, except the audit trail's ids (which hold no content).
    for table in Base.metadata.sorted_tables:
        if "client_id" in table.c and table.name != "audit_events":
            assert not db.execute(select(table).where(table.c.client_id == client_id)).first()
    assert gather(db, theirs.client).rows["tags"]
    assert text_hits(db, THEIRS) == theirs_before
    clients_after, pairs_after, _ = _figures(db, manager)
    assert (clients_after, pairs_after) == (clients_before - 1, pairs_before - 1)
    dashboard_summaries.rebuild(db)
    assert _figures(db, manager)[:2] == (clients_after, pairs_after)
    # The report version says what happened and can still be exported.
    db.refresh(version)
    assert "Material from one client was removed here" in version.markdown
    assert reports.export(db, manager, version, "md").data
    db.commit()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "client.erase"))
    assert (event.client_id, event.details["reference"]) == (client_id, "SAR-1")
    assert event.details["exported"] == [f"report {mine.report.id} version 1 (md, "
                                         f"{done.exports[0].exported_at:%Y-%m-%d})"]
    assert audit_trail.verify(db.connection()).ok


def test_erasure_needs_the_reference_typed_by_a_manager_or_admin_of_the_organisation(
        db, orgs, users):
    from spstories.services.clients import ClientInput, create_client

    client = create_client(db, users["link_worker"], ClientInput(orgs["north"].id, "ASK-1"))
    db.commit()
    with pytest.raises(ClientRightsError, match="Type the client's reference"):
        erasure.erase(db, users["manager"], client, "ASK-2")
    for who in ("link_worker", "researcher", "south_link_worker"):
        with pytest.raises(ClientRightsError, match="only managers and administrators"):
            erasure.erase(db, users[who], client, "ASK-1")
        with pytest.raises(ClientRightsError):
            subject_access.export(db, users[who], client)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Client)) == 1
    erasure.erase(db, users["admin"], client, " ASK-1 ")
    db.commit()
    assert db.scalar(select(func.count()).select_from(Client)) == 0


def test_a_record_of_another_client_is_never_taken(db, orgs, users):
    from datetime import date

    from spstories.services.clients import ClientInput, ReferralInput, create_client
    from spstories.storage.models import CaseStudy, Referral

    lw = users["link_worker"]
    mine = create_client(db, lw, ClientInput(orgs["north"].id, "A-1"),
                         ReferralInput(date(2025, 1, 6), "gp"))
    theirs = create_client(db, lw, ClientInput(orgs["north"].id, "B-1"))
    referral = db.scalars(select(Referral)).one()
    # A case study of B pointing at A's referral: wrong, but it is B's.
    db.add(CaseStudy(organisation_id=orgs["north"].id, client_id=theirs.id,
                     referral_id=referral.id, title="B's story", narrative="B's words"))
    db.commit()
    assert "case_studies" not in gather(db, mine).tables
    erasure.erase(db, users["manager"], mine, "A-1")
    db.commit()
    kept = db.scalars(select(CaseStudy)).one()
    assert (kept.client_id, kept.referral_id) == (theirs.id, None)
