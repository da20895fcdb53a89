"""The report model, its renderers read back, and the consent rule."""

from __future__ import annotations

import io
from datetime import date

import docx
import pypdf

from spstories.core.reports import (
    Bar,
    Block,
    Chart,
    ConsentRecord,
    Report,
    permission,
    to_docx,
    to_html,
    to_markdown,
    to_pdf,
)
from spstories.core.vocabulary import ConsentLevel as C

D = date(2025, 1, 1)


def sample() -> Report:
    return Report("Quarterly report – North SP", "1 Jan 2025 to 31 Mar 2025", [
        Block("heading", text="Background"),
        Block("text", text="We **supported** people <script>alert(1)</script>."),
        Block("table", title="Referrals by source", columns=("Source", "Referrals"),
              rows=(("GP", "12"), ("Self-referral", "<5")),
              chart=Chart("Referrals by source", bars=(Bar("GP", 12, "12"),
                                                        Bar("Self-referral", 0, "<5"))),
              note="Referrals received 1 Jan to 31 Mar 2025; n = 15 referrals."),
        Block("table", title="Change", columns=("Measure", "Clients paired"),
              rows=(("SWEMWBS metric", "10"),),
              chart=Chart("Share by change", kind="share", rows=(("SWEMWBS", (
                  ("improved", "Improved", 0.6), ("no_change", "No change", 0.3),
                  ("deteriorated", "Deteriorated", 0.1))),),
                  legend=(("improved", "Improved"),)),
              note="Paired scores; n per row."),
        Block("quote", text="I go to the choir now and I feel part of something.",
              attribution="Feedback, connection (improved)", note="Consent 3: anonymised."),
        Block("case_study", title="Getting out again", text="A story | with a pipe.",
              note="Consent 3: anonymised."),
    ])


def test_round_trip_and_notes_are_numbered_once():
    report = sample()
    assert Report.from_dict(report.to_dict()) == report
    assert len(report.notes()) == 3  # the repeated consent note keeps one number
    assert report.texts()[-2:] == ["Getting out again", "A story | with a pipe."]


def test_markdown_has_footnotes_tables_and_optional_charts():
    md = to_markdown(sample())
    assert "| GP | 12 |" in md and "### Referrals by source[^1]" in md
    assert "[^1]: Referrals received 1 Jan to 31 Mar 2025; n = 15 referrals." in md
    assert "> — Feedback, connection (improved)[^3]" in md
    assert "data:image/svg+xml" not in md
    assert md.count("data:image/svg+xml;base64,") == 0
    assert to_markdown(sample(), embed_charts=True).count("data:image/svg+xml;base64,") == 2


def test_html_is_standalone_and_escaped():
    html = to_html(sample())
    assert "<style>" in html and "<svg" in html and 'href="http' not in html
    assert "<script>" not in html and "src=" not in html
    assert "I go to the choir now" in html and 'id="note-3"' in html


def test_docx_reads_back():
    document = docx.Document(io.BytesIO(to_docx(sample())))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "I go to the choir now" in text and "Notes" in text
    assert "GP" in cells and "<5" in cells and "SWEMWBS metric" in cells


def test_pdf_reads_back():
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(sample())))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Quarterly report - North SP" in text  # en dash drawn as a hyphen
    assert "I go to the choir now" in text and "n = 15 referrals" in text


def test_case_study_consent_overrides_client_consent():
    records = [ConsentRecord(1, "named_external", D), ConsentRecord(2, "internal", D, 7)]
    assert permission(records, C.ANONYMISED_EXTERNAL).allowed  # feedback: client-level
    locked = permission(records, C.ANONYMISED_EXTERNAL, case_study_id=7)
    assert not locked.allowed and "internal use only" in locked.reason
    assert permission(records, C.INTERNAL, case_study_id=7).allowed


def test_latest_not_withdrawn_is_in_force():
    records = [ConsentRecord(1, "anonymised_external", D),
               ConsentRecord(2, "named_external", D, withdrawn=True)]
    p = permission(records, C.ANONYMISED_EXTERNAL)
    assert p.allowed and p.consent_id == 1
    assert not permission(records, C.NAMED_EXTERNAL).allowed


def test_withdrawn_case_study_consent_is_not_replaced_by_the_clients():
    records = [ConsentRecord(1, "named_external", D),
               ConsentRecord(2, "named_external", D, 7, withdrawn=True)]
    p = permission(records, C.INTERNAL, case_study_id=7)
    assert not p.allowed and "withdrawn" in p.reason


def test_no_consent_and_none_level():
    assert permission([], C.INTERNAL).reason == "No consent recorded."
    assert not permission([ConsentRecord(1, "none", D)], C.INTERNAL).allowed
    only_withdrawn = [ConsentRecord(1, "internal", D, withdrawn=True)]
    assert permission(only_withdrawn, C.INTERNAL).reason == "The client withdrew consent."
