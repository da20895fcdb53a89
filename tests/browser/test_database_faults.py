"""A story typed while the database is busy (SQLite) or down (PostgreSQL) is not lost: the
autosave says it did not save and keeps trying, the save gives a plain page that keeps the
story, and "Try again" saves it once the database is back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from spstories.storage.models import CaseStudy
from tests.browser.conftest import LiveServer, login
from tests.conftest import PASSWORD
from tests.faults import database_unavailable

pytestmark = pytest.mark.browser

STORY = """Joan had not left the house since her husband died.

- started at the allotment group in March
- now **feels part of something** again"""


@pytest.fixture
def server(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SPSTORIES_SQLITE_BUSY_TIMEOUT", "0.5")  # busy answers in a moment
    server = LiveServer(database_url, tmp_path)
    yield server
    server.stop()


def test_a_story_typed_while_the_database_is_unavailable_is_kept(page, server, users, db,
                                                                 database_url):
    login(page, server, "link_worker@north.test", PASSWORD)
    page.goto(server.url + "/case-studies/new")
    with database_unavailable(database_url):
        page.get_by_label("Title").fill("Back at the allotment")
        page.get_by_label("The story").fill(STORY)
        expect(page.locator("#autosave-status")).to_contain_text(
            "Draft not saved yet", timeout=15_000)
        assert page.get_by_label("The story").input_value() == STORY
        page.get_by_role("button", name="Save draft").click()
        main = page.locator("main")
        expect(main).to_contain_text("Nothing was saved")
        expect(main).to_contain_text("now **feels part of something** again")
    assert db.scalars(select(CaseStudy)).all() == []
    page.get_by_role("button", name="Try again").click()
    expect(page.locator("main")).to_contain_text("Draft saved.")
    assert page.get_by_label("The story").input_value() == STORY
    db.expire_all()
    stored = db.scalars(select(CaseStudy.narrative)).all()
    assert [text.replace("\r\n", "\n") for text in stored] == [STORY]
