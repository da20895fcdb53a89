"""The pages that show stored XSS payloads, in real Chromium: no script runs (no dialog
opens) and nothing on them trips the Content Security Policy."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, login
from tests.conftest import PASSWORD
from tests.web.test_stored_xss import PAGES

pytestmark = pytest.mark.browser


@pytest.fixture
def world_server(world, tmp_path):
    server = LiveServer(world.url, tmp_path)
    yield server
    server.stop()


def test_no_stored_payload_runs_in_a_real_browser(browser, world, world_server):
    dialogs: list[str] = []
    violations: list[str] = []
    visited = 0
    for role in dict.fromkeys(role for role, _ in PAGES):
        context = browser.new_context()
        page = context.new_page()
        page.on("dialog", lambda d, p=page: (dialogs.append(f"{p.url}: {d.message}"),
                                              d.dismiss()))
        page.on("console", lambda m, p=page: violations.append(f"{p.url}: {m.text}")
                if "Content Security Policy" in m.text else None)
        login(page, world_server, f"{role}@north.test", PASSWORD)
        page.wait_for_load_state()
        for path in (p for r, p in PAGES if r == role):
            page.goto(world_server.url + path.format(**world.own.ids))
            page.wait_for_load_state("load")
            page.mouse.move(200, 300)  # hover and focus handlers would fire now
            page.keyboard.press("Tab")
            visited += 1
        context.close()
    assert visited == len(PAGES)
    assert dialogs == []
    assert violations == []
