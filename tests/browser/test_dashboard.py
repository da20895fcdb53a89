"""The dashboard in a real browser: charts render under the CSP, tables beside them."""

from __future__ import annotations

import pytest

from tests import dashboard_data
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_manager_sees_charts_and_their_data_tables(page, live_server, db, orgs, users):
    dashboard_data.build(db, orgs, users)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, "manager@north.test", PASSWORD)
    page.get_by_role("link", name="Dashboard").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    chart = page.get_by_role("img", name="Referrals received by source")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    table = page.locator('table[data-table="sources"]')
    assert table.get_by_role("row", name="GP").is_visible()
    # the bar's colour comes from the stylesheet, so the CSP did not block it
    fill = page.locator("svg.chart rect.bar").first.evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(29, 112, 184)"
    page.get_by_label("Break down by").select_option("gender")
    page.get_by_role("button", name="Apply").click()
    assert page.locator('table[data-table="breakdown_kpis"]').is_visible()
    page.get_by_label("Confirmed tags only").check()
    page.get_by_role("button", name="Apply").click()
    active = page.get_by_role("status", name="Active filters")
    assert active.is_visible()
    assert active.get_by_role("listitem").all_inner_texts() == [
        "Broken down by: Gender", "Confirmed tags only"]
    assert "confirmed_only=1" in page.get_by_role("link", name="Download “Outcomes").first \
        .get_attribute("href")
    assert not [e for e in errors if "Content Security Policy" in e]
