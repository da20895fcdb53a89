"""``spstories audit export|verify``, ``subject-access`` and ``erase-client``: the web's rules
and audit, for information governance staff at the server."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from spstories.main import cli
from spstories.services.clients import ClientInput, create_client
from spstories.storage.models import AuditEvent, Client


@pytest.fixture
def run(database_url):
    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, ["--database-url", database_url, *args], input=input)

    return invoke


@pytest.fixture
def person(db, orgs, users):
    made = create_client(db, users["link_worker"], ClientInput(orgs["north"].id, "CLI-1"))
    create_client(db, users["south_link_worker"], ClientInput(orgs["south"].id, "CLI-S"))
    db.commit()
    return made


def test_audit_export_for_one_organisation_and_verify(run, db, person, tmp_path):
    out = tmp_path / "north.csv"
    result = run("audit", "export", "--org", "north-sp", "--since", "2000-01-01", "--out",
                 str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["action"] for r in rows] == ["organisation.create", "client.create"]
    assert rows[1]["client_reference"] == "CLI-1" and rows[1]["organisation"] == "North SP"
    assert "Wrote 2 events" in result.output
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export"))
    assert event.user_id is None and event.details["operator"]
    result = run("audit", "verify")
    assert result.exit_code == 0 and "Intact." in result.output
    assert run("audit", "export", "--since", "March", "--out", str(out)).exit_code == 2
    assert "no organisation 'nowhere'" in run("audit", "export", "--org", "nowhere", "--out",
                                              str(out)).output


def test_verify_fails_loudly_on_a_changed_event(run, db, database_url, person):
    if db.bind.dialect.name == "postgresql":
        db.execute(text("SET session_replication_role = replica"))
    else:
        db.execute(text("DROP TRIGGER audit_events_no_update"))
    db.execute(text("UPDATE audit_events SET action = 'nothing' WHERE action = 'client.create'"))
    db.commit()
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "has been changed" in result.output and "changed outside spstories" in result.output


def test_subject_access_and_erasure_from_the_command_line(run, db, person, tmp_path):
    out = tmp_path / "sar.zip"
    refused = run("subject-access", "CLI-1", "--org", "north-sp", "--out", str(out),
                  "--user", "link_worker@north.test")
    assert refused.exit_code == 1 and "only managers and administrators" in refused.output
    result = run("subject-access", "cli-1", "--org", "north-sp", "--out", str(out),
                 "--user", "manager@north.test")
    assert result.exit_code == 0, result.output
    assert any(n.endswith("data.json") for n in zipfile.ZipFile(out).namelist())
    kept = run("erase-client", "CLI-1", "--org", "north-sp", input="CLI-2\n")
    assert kept.exit_code == 1 and "Nothing was erased" in kept.output
    assert "1 × The client record" in kept.output
    erased = run("erase-client", "CLI-1", "--org", "north-sp", input="CLI-1\n")
    assert erased.exit_code == 0 and "Erased client CLI-1" in erased.output
    assert db.scalars(select(Client.reference)).all() == ["CLI-S"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "client.erase"))
    assert event.user_id is None and event.details["reference"] == "CLI-1"
    assert run("erase-client", "CLI-1", "--org", "north-sp", "--confirm", "CLI-1").exit_code == 1
    assert db.scalar(select(func.count()).select_from(Client)) == 1
