"""Each role logs in through a real browser and lands on its own home page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

HOMES = {
    "link_worker": "My recording",
    "manager": "Service overview",
    "researcher": "Research workbench",
    "admin": "Administration",
}


def test_each_role_sees_its_home_page(page, live_server, users):
    for role, heading in HOMES.items():
        login(page, live_server, f"{role}@north.test", PASSWORD)
        assert page.get_by_role("heading", level=1).inner_text() == heading
        page.get_by_role("button", name="Log out").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Log in to spstories"


def test_wrong_password_shows_the_generic_message(page, live_server, users):
    login(page, live_server, "manager@north.test", "not the password")
    assert page.get_by_role("alert").inner_text() == "Email or password is incorrect."


def test_phone_sized_login_works(browser, live_server, users):
    context = browser.new_context(viewport={"width": 375, "height": 700})
    page = context.new_page()
    login(page, live_server, "link_worker@north.test", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "My recording"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "page scrolls sideways on a phone"
    context.close()
