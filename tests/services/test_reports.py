"""Reports service: consent locks, versions, de-identification, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from spstories.core.vocabulary import ConsentLevel
from spstories.services import evidence
from spstories.services import reports as service
from spstories.services.report_content import ReportFilters
from spstories.storage.models import AuditEvent, Consent, StarredQuote
from spstories.storage.models.base import utcnow
from tests import report_data


@pytest.fixture
def data(db, orgs, users):
    return report_data.build(db, orgs, users)


def _report(db, users, orgs, data, audience="anonymised_external"):
    f = ReportFilters(start=date(2025, 1, 1), end=date(2025, 3, 31),
                      organisation_ids=(orgs["north"].id, orgs["south"].id),
                      outcomes=("connection", "confidence"),
                      quote_ids=(data["allowed"].id, data["locked"].id),
                      case_study_ids=(data["case_study"].id,))
    report = service.create(db, users["manager"], title="Q4 report", audience=audience,
                            background="Our service in Leeds.", filters=f)
    db.commit()
    return report


def test_locked_quotes_show_their_reason_and_cannot_be_starred(db, users, data):
    items = {i.tag_id: i for i in evidence.search(db, users["manager"],
                                                  evidence.Search(code="connection"))}
    assert items[data["allowed"].id].permission.allowed
    locked = items[data["locked"].id].permission
    assert not locked.allowed and "internal use only" in locked.reason
    with pytest.raises(evidence.EvidenceError, match="locked"):
        evidence.star(db, users["manager"], data["locked"].id, ConsentLevel.ANONYMISED_EXTERNAL)
    evidence.star(db, users["manager"], data["locked"].id, ConsentLevel.INTERNAL)
    evidence.star(db, users["manager"], data["allowed"].id, ConsentLevel.ANONYMISED_EXTERNAL)
    db.commit()
    assert db.scalar(select(StarredQuote).where(StarredQuote.tag_id == data["allowed"].id))
    starred = evidence.search(db, users["manager"], evidence.Search(starred_only=True))
    assert {i.tag_id for i in starred} == {data["allowed"].id, data["locked"].id}


def test_search_is_scoped_and_filters_by_text_and_period(db, users, data):
    south = evidence.search(db, users["south_link_worker"], evidence.Search())
    assert all(i.organisation == "South SP" for i in south)
    found = evidence.search(db, users["manager"], evidence.Search(text="knit"))
    assert [i.tag_id for i in found] == [data["allowed"].id]
    assert not evidence.search(db, users["manager"],
                               evidence.Search(text="knit", end=date(2025, 1, 1)))


def test_generate_leaves_out_locked_material_and_scopes_organisations(db, users, orgs, data):
    report = _report(db, users, orgs, data)
    assert report.filters["organisation_ids"] == [orgs["north"].id]  # South is not theirs
    v, left_out = service.generate(db, users["manager"], report, threshold=5)
    db.commit()
    assert any("internal use only" in r for r in left_out)
    assert report_data.QUOTE in v.markdown and report_data.LOCKED_QUOTE not in v.markdown
    assert "Getting out again" in v.markdown
    assert "[^1]:" in v.markdown and "n = 5 clients" in v.markdown
    assert {b.get("tag_id") for b in v.consent_basis} >= {data["allowed"].id}


def test_versions_and_diff_show_what_changed(db, users, orgs, data):
    report = _report(db, users, orgs, data)
    v1, _ = service.generate(db, users["manager"], report, threshold=5, today=date(2026, 1, 5))
    consent = db.scalar(select(Consent).where(Consent.client_id == data["c1"].id))
    consent.withdrawn_at = utcnow()
    v2, left_out = service.generate(db, users["manager"], report, threshold=5,
                                    today=date(2026, 1, 5))
    db.commit()
    assert (v1.number, v2.number) == (1, 2)
    assert any("withdrew" in r for r in left_out)
    removed = [line for line in service.diff(v1, v2) if line.startswith("-")]
    assert any("Mrs Okafor" in line for line in removed)


def test_export_needs_confirmation_and_is_audited(db, users, orgs, data):
    report = _report(db, users, orgs, data)
    v, _ = service.generate(db, users["manager"], report, threshold=5)
    with pytest.raises(service.ReportError, match="confirm"):
        service.export(db, users["manager"], v, "md")
    _, results = service.deidentify(db, v)
    originals = {r.original for res in results for r in res.replacements}
    assert {"Mrs Okafor", "07700 900123", "LS6 2AB", "Knit and Natter", "Sarah Jones"} <= originals
    service.confirm_deid(db, users["manager"], v)
    out = service.export(db, users["manager"], v, "md")
    db.commit()
    text = out.data.decode()
    assert "[NAME 1] said the [ORGANISATION 1] group" in text
    for gone in ("Okafor", "07700", "LS6 2AB", "Sarah Jones", "Knit and Natter"):
        assert gone not in text
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "report.export"))
    assert event.user_id == users["manager"].id
    assert event.details["format"] == "md" and event.details["version"] == 1
    assert event.details["audience"] == "anonymised_external"
    assert any(b.get("consent_id") for b in event.details["consent_basis"])


def test_export_refused_when_consent_withdrawn_after_generation(db, users, orgs, data):
    report = _report(db, users, orgs, data)
    v, _ = service.generate(db, users["manager"], report, threshold=5)
    service.confirm_deid(db, users["manager"], v)
    db.scalar(select(Consent).where(Consent.client_id == data["c1"].id)).withdrawn_at = utcnow()
    db.flush()
    with pytest.raises(service.ReportError, match="Consent has changed"):
        service.export(db, users["manager"], v, "html")


def test_a_report_can_count_confirmed_tags_only(db, users, orgs, data):
    rows = {}
    for confirmed in (False, True):
        f = ReportFilters(organisation_ids=(orgs["north"].id,), outcomes=("confidence",),
                          sections=("outcomes",), confirmed_only=confirmed)
        report = service.create(db, users["manager"], title=f"only {confirmed}",
                                audience="internal", background="", filters=f)
        assert ReportFilters.from_json(report.filters).confirmed_only is confirmed
        v, _ = service.generate(db, users["manager"], report, threshold=1)
        db.commit()
        rows[confirmed] = next(line for line in v.markdown.splitlines()
                               if line.startswith("| Confidence |"))
        assert ("only tags a person made or accepted" in v.markdown) is confirmed
    # c1's confidence tag is an unreviewed machine suggestion: counted, then not.
    assert rows[False].startswith("| Confidence | 1 |")
    assert rows[True].startswith("| Confidence | 0 |")
