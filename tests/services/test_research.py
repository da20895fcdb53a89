"""Research projects through the services: coding, agreement, settling, exchange."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spstories.services import research, research_coding, research_exchange
from spstories.services.codebooks import latest_version
from spstories.storage.models import AuditEvent, CaseStudy, Coding

TEXT = "I was lonely. Now I go to the walking group every week and I feel much happier."


@pytest.fixture
def project(db, users, orgs):
    codebook = latest_version(db, "sp-outcomes")
    made = research.create_project(db, users["researcher"], "Walking study", orgs["north"].id,
                                   codebook=codebook)
    db.commit()
    return made


def _doc(db, users, project):
    return research.add_transcript(db, users["researcher"], project, "i.txt", TEXT.encode())


def test_projects_are_organisation_scoped(db, users, orgs, project):
    assert research.get_project(db, users["researcher"], project.id) is project
    assert research.get_project(db, users["south_link_worker"], project.id) is None
    with pytest.raises(research.ResearchError):
        research.create_project(db, users["researcher"], "X", orgs["south"].id)


def test_codebook_edits_are_versioned_and_diffable(db, users, project):
    key = research.add_code(db, users["researcher"], project, "Feeling less alone",
                            parent="loneliness")
    latest = research.revisions(db, project)[0]
    assert latest.number == 2
    assert latest.changes == [f"added {key}"]
    assert "feeling_less_alone" in research_exchange.codebook_yaml(project)
    assert "Feeling less alone" in research_exchange.codebook_markdown(project)


def test_two_coders_agreement_disagreement_and_settling(db, users, project, orgs):
    from spstories.services.accounts import create_user

    other = create_user(db, email="r2@north.test", name="Second", role="researcher",
                        password="correct horse battery", organisations=[orgs["north"]])
    doc = _doc(db, users, project)
    me = users["researcher"]
    research_coding.add_coding(db, me, project, doc, ["loneliness"], 0, 13)
    research_coding.add_coding(db, me, project, doc, ["wellbeing"], 57, 79)
    research_coding.add_coding(db, other, project, doc, ["loneliness"], 0, 13)
    coders = [research.coder_for(db, project, u).id for u in (me, other)]
    report = research_coding.agreement(db, project, coders)
    # units: [0,13), [13,57), [57,79): loneliness agrees on all 3, wellbeing on 2 of 3
    assert report.per_code["loneliness"].percent == 1.0
    assert report.per_code["wellbeing"].percent == pytest.approx(2 / 3)
    assert report.overall.percent == pytest.approx(5 / 6)
    found = research_coding.disagreements(db, project, coders)
    assert [(d.code, d.start, d.end) for d in found] == [("wellbeing", 57, 79)]
    research_coding.settle(db, me, project, doc.id, "wellbeing", 57, 79, "code")
    assert research_coding.disagreements(db, project, coders) == []
    assert db.scalars(select(Coding).where(Coding.settled)).one().code_key == "wellbeing"


def test_machine_suggestions_are_a_separate_coder_and_can_be_accepted(db, users, project):
    doc = _doc(db, users, project)
    suggested = research_coding.suggest(db, users["researcher"], project, doc)
    assert suggested and {c.origin for c in suggested} == {"model"}
    assert "rule tagger" in suggested[0].coder.name
    mine = research_coding.accept(db, users["researcher"], project, suggested[0].id)
    assert mine[0].origin == "human" and mine[0].coder_id != suggested[0].coder_id


def test_round_trip_preserves_codes_segments_and_memos(db, users, orgs, project):
    me = users["researcher"]
    doc = _doc(db, users, project)
    coding = research_coding.add_coding(db, me, project, doc, ["loneliness"], 0, 13)[0]
    research.add_memo(db, me, project, "Before the group", coding_id=coding.id)
    research.add_memo(db, me, project, "Watch for isolation", code_key="loneliness")
    research.add_memo(db, me, project, "Good interview", document_id=doc.id)
    first = research_exchange.export_qdpx(db, me, project)
    copy = research.create_project(db, me, "Copy", orgs["north"].id)
    counts = research_exchange.import_qdpx(db, me, copy, first)
    assert counts["documents"] == 1 and counts["codings"] == 1 and counts["memos"] == 3
    again = research_exchange.to_refi(db, copy)
    original = research_exchange.to_refi(db, project)
    assert [c.name for c, _ in again.all_codes()] == [c.name for c, _ in original.all_codes()]
    selection = again.sources[0].selections[0]
    assert (selection.start, selection.end) == (0, 13)
    assert sorted(n.text for n in again.notes) == sorted(n.text for n in original.notes)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "research.import.qdpx")).one()


def test_segments_export_carries_attributes(db, users, orgs, project):
    me = users["researcher"]
    case = CaseStudy(organisation_id=orgs["north"].id, title="Sam", narrative=TEXT,
                     status="approved")
    db.add(case)
    db.flush()
    doc = research.add_app_document(db, me, project, case)
    research_coding.add_coding(db, me, project, doc, ["loneliness"], 0, 13)
    csv_text = research_exchange.segments_csv(db, project, me)
    assert "I was lonely." in csv_text and "attr_organisation" in csv_text
    assert research_exchange.segments_xlsx(db, project, me)[:2] == b"PK"


def test_app_documents_are_copied_with_the_line_breaks_the_page_shows(db, users, orgs, project):
    me = users["researcher"]
    case = CaseStudy(organisation_id=orgs["north"].id, title="Typed", status="approved",
                     narrative="Sam felt stuck.\r\n\r\nNow he walks daily.\rHe is fine.")
    db.add(case)
    db.flush()
    doc = research.add_app_document(db, me, project, case)
    assert doc.text == "Sam felt stuck.\n\nNow he walks daily.\nHe is fine."
    # Offsets as a browser counts them (one character per line break) code the right words.
    start = doc.text.index("Now")
    (coding,) = research_coding.add_coding(db, me, project, doc, ["loneliness"], start,
                                           start + len("Now he walks daily."))
    assert doc.text[coding.start_offset:coding.end_offset] == "Now he walks daily."
    assert case.narrative.startswith("Sam felt stuck.\r\n")  # the narrative itself is kept
