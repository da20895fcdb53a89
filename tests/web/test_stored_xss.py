"""Real XSS payloads typed into every free-text field of every form (tests/web/world.py)
are shown back as text on every page that displays them, never as markup. The access
matrix checks every page for live markup; this checks the payloads really are on the pages
that should show them, so that check is not passing on empty pages."""

from __future__ import annotations

import re

import pytest

from tests.web import access_matrix as matrix

# (role, page) for every page that shows a field typed with payloads.
PAGES = [
    ("link_worker", "/clients/{client_id}"),  # referral service and reasons, measure note
    ("link_worker", "/case-studies/{case_study_id}"),
    ("link_worker", "/case-studies/"),
    ("link_worker", "/case-studies/{returned_case_study_id}/edit"),  # into form fields
    ("link_worker", "/feedback/{feedback_id}"),
    ("link_worker", "/feedback/"),
    ("manager", "/case-studies/{returned_case_study_id}"),  # the manager's comment
    ("manager", "/reports/"),
    ("manager", "/reports/{report_id}"),
    ("manager", "/reports/{report_id}/edit"),
    ("manager", "/reports/{report_id}/v/1/deid"),
    ("manager", "/review/?state=accepted"),
    ("researcher", "/research/"),
    ("researcher", "/research/{project_id}"),
    ("researcher", "/research/{project_id}/documents/{document_id}"),
    ("researcher", "/research/{project_id}/codebook"),
    ("researcher", "/research/{project_id}/codes/xss_code"),
    ("researcher", "/topics/runs/{run_id}"),
    ("researcher", "/topics/runs/{run_id}/topics/0/promote"),
    ("admin", "/admin/users"),
    ("admin", "/admin/users/{named_user_id}"),
]


@pytest.fixture(scope="module")
def clients(world):
    return {role: matrix.SessionClient(world, role)
            for role in {role for role, _ in PAGES}}


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_payloads_are_shown_as_text_never_as_markup(world, clients, role, path):
    response = clients[role].client.get(path.format(**world.own.ids))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Shown as text, or kept as typed in a form field's value (escaped there too).
    text = matrix._page_text(html) + " ".join(re.findall(r'value="([^"]*)"', html))
    assert "alert(" in text, "no payload is on the page: the markup check would prove nothing"
    assert matrix.live_markup(response) == []
