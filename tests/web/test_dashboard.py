"""The dashboard pages: who may see them, what they show, CSV downloads, evidence links."""

from __future__ import annotations

import csv
import io

import pytest

from tests import dashboard_data


@pytest.fixture
def data(db, orgs, users):
    return dashboard_data.build(db, orgs, users)


@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("researcher", 200),
                                              ("admin", 200), ("link_worker", 403)])
def test_roles(client, auth, users, role, status):
    auth.login(f"{role}@north.test")
    assert client.get("/dashboard/").status_code == status
    assert client.get("/dashboard/kpis.csv").status_code == status


def test_page_shows_tables_charts_and_suppression(app, client, auth, data):
    app.config["SMALL_NUMBER_THRESHOLD"] = 3
    auth.login("manager@north.test")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert html.count('role="img"') == 3 and "<script" not in html
    assert 'data-table="measures"' in html and 'data-table="discordance"' in html
    assert "SWEMWBS metric score" in html
    assert "1 modified administrations excluded" in html
    assert "&lt;3" in html  # engagement: one client, below the threshold
    assert "C2" in html and "S1" not in html  # discordance list is scoped to North
    assert "Case studies describe" not in html  # 1 of 5 is not under a fifth
    assert 'href="/dashboard/"' in client.get("/").get_data(as_text=True)  # nav link


def test_csv_download_has_the_table(client, auth, data):
    auth.login("researcher@north.test")
    response = client.get("/dashboard/discordance.csv?source=gp")
    assert response.mimetype == "text/csv"
    assert "spstories-discordance.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Client", "Pattern", "Measure"]
    assert [r[0] for r in rows[1:]] == ["C2"]
    assert client.get("/dashboard/nothing.csv").status_code == 404


def test_counts_link_to_their_evidence(app, client, auth, data):
    app.config["SMALL_NUMBER_THRESHOLD"] = 1
    auth.login("manager@north.test")
    html = client.get("/dashboard/?by=gender").get_data(as_text=True)
    link = ("/dashboard/evidence?code=loneliness&amp;polarity=worsened&amp;kind=machine"
            "&amp;by=gender")
    assert link in html
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "C4 loneliness worsened" in page and "C3 loneliness worsened" not in page
    confirmed = client.get("/dashboard/evidence?code=loneliness&polarity=worsened&kind=confirmed")
    assert "C3 loneliness worsened" in confirmed.get_data(as_text=True)
    assert client.get("/dashboard/evidence?kind=everything").status_code == 404


def test_bad_dates_are_reported_not_fatal(client, auth, users):
    auth.login("manager@north.test")
    html = client.get("/dashboard/?start=31/03/2025&end=2025-01-01").get_data(as_text=True)
    assert "Start date: use the form 2026-03-31." in html
