"""Recording pages work on a phone-sized screen and by keyboard alone."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from spstories.storage.models import Client, Feedback
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def sam(db, orgs):
    client = Client(organisation_id=orgs["north"].id, reference="N-001")
    db.add(client)
    db.commit()
    return client


def test_recording_pages_fit_a_phone(browser, live_server, users, sam):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    login(page, live_server, "link_worker@north.test", PASSWORD)
    for path in ("/", "/feedback/new", "/case-studies/new", "/clients/new",
                 f"/clients/{sam.id}/measures/new?instrument=swemwbs", f"/clients/{sam.id}"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways on a phone ({width}px)"
    context.close()


def test_feedback_can_be_recorded_with_the_keyboard_alone(page, live_server, users, db):
    login(page, live_server, "link_worker@north.test", PASSWORD)
    page.goto(live_server.url + "/feedback/new")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("Feedback", exact=True).focus()
    page.keyboard.type("The walking group got me out of the house again.")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Save feedback":
            break
    else:
        pytest.fail("the save button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Saved 1 item of feedback.").wait_for()
    assert db.scalar(select(func.count()).select_from(Feedback)) == 1


def test_focus_is_visible(page, live_server, users):
    page.goto(live_server.url + "/auth/login")
    page.get_by_label("Email").focus()
    outline = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
