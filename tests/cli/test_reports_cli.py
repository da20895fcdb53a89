"""``spstories reports``: list, generate and export with the web's rules, audited."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from spstories.main import cli
from spstories.services import reports as service
from spstories.services.accounts import create_user
from spstories.services.report_content import ReportFilters
from spstories.storage.models import AuditEvent, Consent, Report
from spstories.storage.models.base import utcnow
from tests import report_data
from tests.conftest import PASSWORD

IDENTIFIERS = ("Okafor", "07700", "LS6 2AB", "Sarah Jones", "Knit and Natter")
MANAGER = "manager@north.test"


@pytest.fixture
def run(database_url):
    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--database-url", database_url, *args])

    return invoke


@pytest.fixture
def data(db, orgs, users):
    made = report_data.build(db, orgs, users)
    f = ReportFilters(start=date(2025, 1, 1), end=date(2025, 3, 31),
                      organisation_ids=(orgs["north"].id,), outcomes=("connection",),
                      sections=("kpis", "sources", "outcomes"),
                      quote_ids=(made["allowed"].id, made["locked"].id),
                      case_study_ids=(made["case_study"].id,))
    made["report"] = service.create(db, users["manager"], title="Quarter 4",
                                    audience="anonymised_external",
                                    background="Our year in brief.", filters=f)
    db.commit()
    return made


def _events(db, action):
    db.expire_all()
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _confirm(db, users, report_id, number):
    """The human step, as the web's de-identification page does it."""
    db.expire_all()
    report = db.get(Report, report_id)
    service.confirm_deid(db, users["manager"], service.version(report, number))
    db.commit()


def _one_line_error(result, *words):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_list_shows_reports_with_their_latest_version(run, data, users):
    listed = run("reports", "list")
    assert listed.exit_code == 0, listed.output
    (line,) = listed.stdout.splitlines()
    assert line.split("\t")[:4] == [str(data["report"].id), "north-sp", "anonymised_external",
                                    "Quarter 4"]
    assert "no versions" in line
    assert run("reports", "generate", str(data["report"].id), "--user", MANAGER).exit_code == 0
    mine = run("reports", "list", "--user", "researcher@north.test")
    assert "latest v1: de-identification not yet confirmed" in mine.stdout
    _one_line_error(run("reports", "list", "--user", "link_worker@north.test"),
                    "link_worker", "only managers or researchers")


def test_list_says_when_there_are_none(run, db, users):
    result = run("reports", "list")
    assert result.exit_code == 0 and result.stdout == ""
    assert "No reports yet." in result.stderr


def test_generate_makes_a_version_leaves_out_locked_quotes_and_is_audited(run, db, data,
                                                                          users):
    report_id = str(data["report"].id)
    first = run("reports", "generate", report_id, "--user", MANAGER)
    assert first.exit_code == 0, first.output
    assert "Generated version 1 of report" in first.stdout
    assert f"Left out: Quote {data['locked'].id}" in first.stderr
    second = run("reports", "generate", report_id, "--user", MANAGER)
    assert "Generated version 2" in second.stdout
    events = _events(db, "report.generate")
    assert [(e.user_id, e.details["version"]) for e in events] == [
        (users["manager"].id, 1), (users["manager"].id, 2)]
    version = service.version(db.get(Report, data["report"].id), 2)
    assert version.deid_confirmed_at is None  # confirming stays a person's job in the web


def test_export_is_refused_until_de_identification_is_confirmed(run, db, data, users,
                                                                tmp_path):
    report_id = str(data["report"].id)
    assert run("reports", "generate", report_id, "--user", MANAGER).exit_code == 0
    out = tmp_path / "q4.md"
    args = ["reports", "export", report_id, "--version", "1", "--format", "md",
            "--out", str(out), "--user", MANAGER]
    _one_line_error(run(*args), "de-identification has not been confirmed", "/deid")
    assert not out.exists() and not _events(db, "report.export")

    _confirm(db, users, data["report"].id, 1)
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.stdout
    text = out.read_text()
    assert "Our year in brief." in text and "Getting out again" in text
    assert "said the [ORGANISATION 1] group" in " ".join(text.split())
    assert "data:image/svg+xml;base64," in text  # the charts travel with the file
    for gone in IDENTIFIERS:
        assert gone not in text, gone
    assert report_data.LOCKED_QUOTE not in text

    word = tmp_path / "q4.docx"
    assert run("reports", "export", report_id, "--version", "1", "--format", "docx",
               "--out", str(word), "--user", MANAGER).exit_code == 0
    paragraphs = "\n".join(p.text for p in docx.Document(io.BytesIO(word.read_bytes()))
                           .paragraphs)
    assert "Getting out again" in paragraphs and "Sarah Jones" not in paragraphs
    events = _events(db, "report.export")
    assert [(e.user_id, e.details["format"], e.details["version"]) for e in events] == [
        (users["manager"].id, "md", 1), (users["manager"].id, "docx", 1)]


def test_export_is_refused_when_consent_was_withdrawn_since_generation(run, db, data, users,
                                                                       tmp_path):
    report_id = str(data["report"].id)
    assert run("reports", "generate", report_id, "--user", MANAGER).exit_code == 0
    _confirm(db, users, data["report"].id, 1)
    db.scalar(select(Consent).where(Consent.client_id == data["c1"].id)).withdrawn_at = utcnow()
    db.commit()
    out = tmp_path / "q4.html"
    result = run("reports", "export", report_id, "--version", "1", "--format", "html",
                 "--out", str(out), "--user", MANAGER)
    _one_line_error(result, "Consent has changed", f"quote {data['allowed'].id}",
                    "Generate a new version")
    assert not out.exists() and not _events(db, "report.export")


@pytest.fixture
def south_manager(db, orgs):
    user = create_user(db, email="manager@south.test", name="south manager", role="manager",
                       password=PASSWORD, organisations=[orgs["south"]])
    db.commit()
    return user


@pytest.mark.parametrize(("change", "words"), [
    ({"report": "999"}, ["no report 999"]),
    ({"version": "7"}, ["has no version 7", "versions: 1"]),
    ({"user": "nobody@north.test"}, ["no user with email nobody@north.test"]),
    ({"user": "link_worker@north.test"}, ["link_worker", "only managers can export"]),
    ({"user": "researcher@north.test"}, ["researcher", "only managers can export"]),
    ({"user": "manager@south.test"}, ["manager@south.test may not use report",
                                      "organisations they do not belong to"]),
    ({"out": "missing/q4.pdf"}, ["no folder"]),
])
def test_export_arguments_are_checked(run, db, data, users, tmp_path, south_manager, change,
                                      words):
    report_id = str(data["report"].id)
    assert run("reports", "generate", report_id, "--user", MANAGER).exit_code == 0
    _confirm(db, users, data["report"].id, 1)
    a = {"report": report_id, "version": "1", "user": MANAGER, "out": "q4.pdf", **change}
    result = run("reports", "export", a["report"], "--version", a["version"], "--format", "pdf",
                 "--out", str(tmp_path / a["out"]), "--user", a["user"])
    _one_line_error(result, *words)
    assert not _events(db, "report.export")


def test_export_format_and_version_must_be_given_correctly(run, data, tmp_path):
    args = ["reports", "export", str(data["report"].id), "--out", str(tmp_path / "x"),
            "--user", MANAGER]
    bad_format = run(*args, "--version", "1", "--format", "rtf")
    assert bad_format.exit_code == 2 and "'rtf' is not one of" in bad_format.output
    bad_version = run(*args, "--version", "one", "--format", "md")
    assert bad_version.exit_code == 2 and "'one' is not a valid integer" in bad_version.output
    none_yet = run(*args, "--version", "1", "--format", "md")
    _one_line_error(none_yet, "no versions yet", "spstories reports generate")


def test_generate_checks_the_user_and_the_report(run, db, data, users, south_manager):
    report_id = str(data["report"].id)
    _one_line_error(run("reports", "generate", "999", "--user", MANAGER), "no report 999")
    _one_line_error(run("reports", "generate", report_id, "--user", "researcher@north.test"),
                    "only managers can generate")
    _one_line_error(run("reports", "generate", report_id, "--user", "manager@south.test"),
                    "may not use report")
    users["manager"].active = False
    db.commit()
    _one_line_error(run("reports", "generate", report_id, "--user", MANAGER), "deactivated")
    assert not _events(db, "report.generate")
