"""tokens, research and export-sp-standard from the command line, on a real database."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from spstories.main import cli
from spstories.services import research
from spstories.services.research_exchange import export_qdpx
from spstories.storage.models import ApiToken, AuditEvent, ResearchProject
from tests.api_data import build


@pytest.fixture
def run(database_url):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--database-url", database_url, *args])

    return invoke


def test_a_token_is_made_listed_used_and_revoked(run, db, users, app):
    made = run("tokens", "create", "--user", "manager@north.test", "--name", "Warehouse",
               "--expires", "2099-01-01")
    assert made.exit_code != 0 and "a year at most" in made.output
    made = run("tokens", "create", "--user", "manager@north.test", "--name", "Warehouse",
               "--write")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("spst_")
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code \
        == 200
    listed = run("tokens", "list", "--user", "manager@north.test")
    assert "Warehouse" in listed.output and "write" in listed.output and "active" in listed.output
    assert secret not in listed.output
    token_id = db.scalars(select(ApiToken.id)).one()
    assert run("tokens", "revoke", str(token_id)).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code \
        == 401
    assert "revoked" in run("tokens", "list").output
    assert run("tokens", "create", "--user", "nobody@x.test", "--name", "x").exit_code == 1


def test_research_create_and_list_then_import_qdpx_without_the_web_app(
        run, db, users, orgs, tmp_path):
    made = run("research", "create", "--name", "Loneliness study", "--org", "north-sp")
    assert made.exit_code == 0, made.output
    assert "Created research project 1" in made.output and "18 codes" in made.output
    assert run("research", "create", "--name", "x", "--org", "nowhere").exit_code == 1
    empty = run("research", "create", "--name", "Open coding", "--org", "south-sp",
                "--codebook", "none", "--user", "link_worker@south.test")
    assert empty.exit_code == 1 and "only researchers" in empty.output
    listed = run("research", "list")
    assert listed.output.startswith("1\tnorth-sp\tLoneliness study\t18 codes\t0 documents")
    # A project from elsewhere, exported, comes in through import-qdpx.
    source = research.create_project(db, users["researcher"], "Elsewhere", orgs["north"].id)
    research.add_transcript(db, users["researcher"], source, "i.txt", b"I was lonely before.")
    db.commit()
    path = tmp_path / "other.qdpx"
    path.write_bytes(export_qdpx(db, None, source))
    imported = run("import-qdpx", "--project", "1", "--user", "researcher@north.test",
                   str(path))
    assert imported.exit_code == 0, imported.output
    assert "Imported 1 documents" in imported.output
    db.expire_all()
    assert research.documents(db, db.get(ResearchProject, 1))


def test_export_sp_standard_writes_the_three_files(run, db, users, orgs, tmp_path):
    records = build(db, orgs, users)
    out = tmp_path / "sp.zip"
    result = run("export-sp-standard", "--org", "north-sp", "--out", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "outcome_scores.csv",
                                              "referrals.csv", "support_offered.csv"]
        referrals = list(csv.DictReader(io.StringIO(archive.read("referrals.csv").decode())))
        manifest = json.loads(archive.read("manifest.json"))
    # N-001 consented to internal use only, N-002 to none: neither goes out.
    assert referrals == [] and manifest["clients_exported"] == 0
    assert sum(manifest["clients_left_out"].values()) == 2
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "export.sp_standard")).one()
    assert records  # the records exist; consent kept them in
    bad = run("export-sp-standard", "--org", "north-sp", "--start", "2026-05-01", "--end",
              "2026-01-01", "--out", str(out))
    assert bad.exit_code == 1 and "start date is after" in bad.output
