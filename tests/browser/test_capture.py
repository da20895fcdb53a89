"""Issue 3 end to end in headless Chromium: write, measure, submit, approve, see the timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from spstories.storage.models import CaseStudy, Client, MeasureResponse
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

STORY = """Sam was referred by the GP after months of feeling low.

- joined the walking group in May
- now **no longer feels lonely** and has started volunteering at the food bank"""


@pytest.fixture
def sam(db, orgs):
    client = Client(organisation_id=orgs["north"].id, reference="N-001")
    db.add(client)
    db.commit()
    return client


def _record_swemwbs(page, server, client_id, answers, timepoint, when):
    page.goto(f"{server.url}/clients/{client_id}/measures/new?instrument=swemwbs")
    for number, answer in enumerate(answers, start=1):
        page.get_by_label(f"Item {number}", exact=True).fill(str(answer))
    page.get_by_label(timepoint).check()
    page.get_by_label("Date").first.fill(when.isoformat())
    page.get_by_role("button", name="Save SWEMWBS").click()


def test_case_study_measures_approval_and_timeline(page, live_server, users, sam, db):
    login(page, live_server, "link_worker@north.test", PASSWORD)
    page.goto(live_server.url + "/case-studies/new")
    page.get_by_label("Client reference").fill("N-001")
    page.get_by_label("Title").fill("Finding a reason to get up")
    page.get_by_label("The story").fill(STORY)
    # Live preview renders the Markdown (sanitised on the server).
    page.locator("#narrative-preview strong").wait_for()
    assert page.locator("#narrative-preview strong").inner_text() == "no longer feels lonely"
    assert page.locator("#narrative-preview li").count() == 2
    # The draft saves itself without pressing anything.
    page.locator("#autosave-status", has_text="Draft saved at").wait_for()
    assert db.scalar(select(func.count()).select_from(CaseStudy)) == 1
    page.get_by_label("Consent to use this case study").select_option("anonymised_external")
    page.get_by_label("Date consent was given").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label("How consent was given").select_option("written")
    page.get_by_role("button", name="Submit for approval").click()
    assert "Submitted for approval" in page.get_by_role("status").first.inner_text()
    assert page.locator("mark.evidence").count() >= 1

    baseline_day = date.today() - timedelta(days=90)
    _record_swemwbs(
        page, live_server, sam.id, [3, 3, 3, 3, 3, 4, 3], "Baseline (first time)", baseline_day
    )
    _record_swemwbs(
        page, live_server, sam.id, [4, 4, 4, 4, 4, 3, 3], "Exit (at the end", date.today()
    )
    assert db.scalar(select(func.count()).select_from(MeasureResponse)) == 2

    page.get_by_role("button", name="Log out").click()
    login(page, live_server, "manager@north.test", PASSWORD)
    page.goto(live_server.url + "/case-studies/?status=submitted")
    page.get_by_role("link", name="Finding a reason to get up").click()
    page.get_by_role("button", name="Approve").click()
    assert page.locator("strong.status").inner_text() == "Approved"

    page.goto(f"{live_server.url}/clients/{sam.id}")
    timeline = page.locator("main").inner_text()
    # raw 22 -> metric 19.98; raw 26 -> metric 23.21; change +3.23 (spec's conversion table)
    assert "19.98" in timeline
    assert "23.21" in timeline
    assert "+3.23" in timeline
    assert "Finding a reason to get up" in timeline


def test_invalid_measure_shows_errors_and_saves_nothing(page, live_server, users, sam, db):
    login(page, live_server, "link_worker@north.test", PASSWORD)
    _record_swemwbs(
        page, live_server, sam.id, [3, 3, 9, 3, 3, 3, 3], "Baseline (first time)", date.today()
    )
    error = page.locator("#item-q3-error").inner_text()
    assert "Item 3" in error and "1 to 5" in error
    assert page.get_by_label("Item 1", exact=True).input_value() == "3"  # what was typed stays
    assert db.scalar(select(func.count()).select_from(MeasureResponse)) == 0


def test_invalid_case_study_keeps_input_and_saves_nothing(page, live_server, users, db):
    login(page, live_server, "link_worker@north.test", PASSWORD)
    page.goto(live_server.url + "/case-studies/new")
    page.get_by_label("Client reference").fill("NOBODY")
    page.get_by_role("button", name="Submit for approval").click()
    assert "No client with reference" in page.locator("main").inner_text()
    assert page.get_by_label("Client reference").input_value() == "NOBODY"
    assert db.scalar(select(func.count()).select_from(CaseStudy)) == 0


def test_draft_survives_a_closed_tab(browser, live_server, users, sam, db):
    context = browser.new_context()
    page = context.new_page()
    login(page, live_server, "link_worker@north.test", PASSWORD)
    page.goto(live_server.url + "/case-studies/new")
    page.get_by_label("Title").fill("Half-written story")
    page.get_by_label("The story").fill("Started at the lunch club.")
    page.close(run_before_unload=True)  # closed before the autosave timer fired
    page = context.new_page()
    # The browser delivers the beacon on its own time: look until it has landed.
    for _ in range(40):
        db.expire_all()
        if db.scalars(select(CaseStudy.narrative)).all() == ["Started at the lunch club."]:
            break
        page.wait_for_timeout(250)
    assert db.scalars(select(CaseStudy.narrative)).all() == ["Started at the lunch club."]
    page.goto(live_server.url + "/case-studies/?mine=1")
    assert page.get_by_role("link", name="Half-written story").count() == 1
    context.close()
