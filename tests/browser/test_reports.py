"""The report builder in a real browser: build, see the charts, check the de-identification,
confirm it and download an export with the identifiers gone; a link worker is refused."""

from __future__ import annotations

import re
from datetime import date

import pytest

from spstories.services import reports as service
from spstories.services.report_content import ReportFilters
from tests import report_data
from tests.browser.conftest import ARTIFACTS, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

IDENTIFIERS = ("Okafor", "07700", "LS6 2AB", "Sarah Jones", "Knit and Natter")


@pytest.fixture
def data(db, orgs, users):
    made = report_data.build(db, orgs, users)
    users["manager"].organisations.append(orgs["south"])  # so there is a choice to make
    db.commit()
    return made


@pytest.fixture
def small_numbers_shown(monkeypatch):
    """The live server (started after this fixture) suppresses only counts of 1, so the five
    synthetic clients still draw bars."""
    monkeypatch.setenv("SPSTORIES_SMALL_NUMBER_THRESHOLD", "2")


def _watch(page, live_server) -> tuple[list[str], list[str]]:
    """Console errors, and requests that left the app (charts must be drawn offline)."""
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith((live_server.url, "data:"))
            else outside.append(r.url))
    return errors, outside


def test_manager_builds_checks_and_exports_a_report(small_numbers_shown, page, live_server,
                                                     data):
    errors, outside = _watch(page, live_server)
    login(page, live_server, "manager@north.test", PASSWORD)

    # star the consented quote in the evidence library
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Evidence library").click()
    page.get_by_label("Outcome").select_option("connection")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text="Mrs Okafor")
    locked = page.get_by_role("row").filter(has_text=report_data.LOCKED_QUOTE)
    assert "internal use only" in locked.inner_text()
    assert locked.get_by_role("button").count() == 0
    row.get_by_role("button", name="Star for reports").click()
    assert page.get_by_role("status").filter(has_text="Quote starred for reports.").is_visible()

    # build the report
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="New report").click()
    page.get_by_label("Title").fill("Quarter 4")
    page.get_by_label("Who the report is for").select_option("anonymised_external")
    page.get_by_label("From").fill("2025-01-01")
    page.get_by_label("To", exact=True).fill("2025-03-31")
    assert page.get_by_label("North SP").is_checked() and page.get_by_label("South SP").is_checked()
    page.get_by_label("South SP").uncheck()
    for section in ("Joint display: measures beside stories",
                    "Coverage of the qualitative evidence"):
        page.get_by_label(section).uncheck()
    page.get_by_label("Connection", exact=True).check()
    page.get_by_label(re.compile(r"^Mrs Okafor said")).check()
    page.get_by_label("Getting out again").check()
    page.get_by_label("Background (Markdown)").fill("Our year in **brief**.")
    page.get_by_role("button", name="Save and generate").click()

    # the generated version, with its charts drawn as inline SVG
    assert page.get_by_role("heading", level=1).inner_text() == "Quarter 4"
    assert page.get_by_role("status").filter(has_text="Version 1 generated.").is_visible()
    preview = page.locator("article.report-preview")
    assert "North SP · 01 Jan 2025 to 31 Mar 2025" in page.locator("p.hint").first.inner_text()
    assert "South SP" not in page.locator("p.hint").first.inner_text()
    charts = preview.locator("svg.chart")
    assert charts.count() >= 2
    sources = preview.get_by_role("img", name="Referrals received by source")
    box = sources.bounding_box()
    assert box and 300 < box["width"] <= 640 and box["height"] > 50  # as in the exports
    bar = sources.locator("rect.bar", has=page.locator("title", has_text="Self-referral: 2"))
    assert bar.evaluate("e => getComputedStyle(e).fill") == "rgb(29, 112, 184)"  # the CSS's
    assert bar.bounding_box()["width"] > 100
    assert preview.get_by_role("img", name="Share of clients by meaningful change").is_visible()
    assert "counts of 1 to 1 are shown as <2" in preview.inner_text()
    assert preview.get_by_role("heading", name="In their own words").is_visible()
    assert preview.get_by_role("heading", name="Getting out again").is_visible()
    assert report_data.LOCKED_QUOTE not in preview.inner_text()
    assert page.get_by_role("link", name="PDF").count() == 0  # not before the check
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-version.png"), full_page=True)

    # check the de-identification, then confirm it
    page.get_by_role("link", name="check the de-identification").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Check the de-identification of version 1")
    marked = page.locator(".deid-before mark").all_inner_texts()
    assert "Mrs Okafor" in marked and "Sarah Jones" in marked
    after = " ".join(page.locator(".deid-after").all_inner_texts())
    assert "[NAME 1]" in after and "[ORGANISATION 1]" in after
    for gone in IDENTIFIERS:
        assert gone not in after, gone
    page.screenshot(path=str(ARTIFACTS / "report-deid-check.png"), full_page=True)
    page.get_by_role("button", name="confirm de-identification").click()
    assert page.get_by_role("status").filter(has_text="De-identification confirmed").is_visible()
    assert "de-identification confirmed" in page.get_by_role("listitem").filter(
        has_text="Version 1").first.inner_text()

    # download the standalone HTML export and read it
    with page.expect_download() as info:
        page.get_by_role("link", name="HTML (works offline)").click()
    download = info.value
    assert download.suggested_filename == "quarter-4-v1.html"
    html = download.path().read_text(encoding="utf-8")
    text = " ".join(html.split())
    assert "said the [ORGANISATION 1] group" in text and "[NAME 1]" in text
    assert "Our year in <strong>brief</strong>." in html and "Getting out again" in html
    assert "<svg" in html and "<script" not in html
    for gone in IDENTIFIERS:
        assert gone not in html, gone
    assert report_data.LOCKED_QUOTE not in html
    with page.expect_download() as info:
        page.get_by_role("link", name="Markdown").click()
    markdown = info.value.path().read_text(encoding="utf-8")
    assert "data:image/svg+xml;base64," in markdown
    assert not [g for g in IDENTIFIERS if g in markdown]


    # edit keeps every choice; a term the check missed is added and a new version made
    page.get_by_role("link", name="Edit filters and background").click()
    assert not page.get_by_label("South SP").is_checked()
    assert page.get_by_label("North SP").is_checked()
    assert page.get_by_label(re.compile(r"^Mrs Okafor said")).is_checked()
    assert page.get_by_label("Getting out again").is_checked()
    assert page.get_by_label("Connection", exact=True).is_checked()
    assert not page.get_by_label("Coverage of the qualitative evidence").is_checked()
    page.get_by_label("Places and organisations to remove").fill("Tuesday")
    page.get_by_role("button", name="Save and generate").click()
    assert page.get_by_role("status").filter(has_text="Version 2 generated.").is_visible()
    page.get_by_role("link", name="what changed since version 1").click()
    assert page.get_by_role("heading", name=re.compile("What changed")).is_visible()
    page.go_back()
    page.get_by_role("link", name="check the de-identification").click()
    assert "Tuesday" in page.locator(".deid-before mark").all_inner_texts()

    assert not outside, outside
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_link_worker_is_refused(page, live_server, db, orgs, users, data):
    f = ReportFilters(start=date(2025, 1, 1), organisation_ids=(orgs["north"].id,))
    report = service.create(db, users["manager"], title="Quarter 4", audience="internal",
                            background="", filters=f)
    db.commit()
    login(page, live_server, "link_worker@north.test", PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Clients").is_visible()
    assert nav.get_by_role("link", name="Reports").count() == 0
    for path in ("/reports/", "/reports/new", "/reports/evidence",
                 f"/reports/{report.id}", f"/reports/{report.id}/v/1/export/html"):
        response = page.goto(live_server.url + path)
        assert response.status == 403, path
        assert "Quarter 4" not in page.content()
