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
    assert ">C2<" in html and ">S1<" not in html  # discordance list is scoped to North
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


def test_confirmed_tags_only_is_an_active_filter_carried_into_links_csv_and_charts(
    app, client, auth, data
):
    app.config["SMALL_NUMBER_THRESHOLD"] = 1
    auth.login("manager@north.test")
    everything = client.get("/dashboard/").get_data(as_text=True)
    assert "<title>Confidence: 1</title>" in everything  # c1's machine tag, in the chart
    assert "Active filters" not in everything
    html = client.get("/dashboard/?confirmed_only=1").get_data(as_text=True)
    assert 'name="confirmed_only" value="1" checked' in html
    active = html[html.index('aria-label="Active filters"'):]
    assert "<li>Confirmed tags only</li>" in active[:active.index("</div>")]
    assert "<title>Confidence: 0</title>" in html  # the chart counts confirmed tags only
    assert ">C4<" not in html and ">C2<" in html  # C4's story is an unreviewed suggestion
    assert "/dashboard/outcomes.csv?confirmed_only=1" in html
    assert "kind=all&amp;confirmed_only=1" in html  # evidence links keep the filter
    rows = list(csv.reader(io.StringIO(
        client.get("/dashboard/outcomes.csv?confirmed_only=1").get_data(as_text=True))))
    counts = {r[0]: r[1:] for r in rows[1:]}
    assert counts["Confidence"][0] == "0" and counts["Engagement"][0] == "1"
    assert counts["Loneliness"][4:8] == ["1", "25%", "1", "0"]  # worsened: C3, accepted
    joint = list(csv.reader(io.StringIO(
        client.get("/dashboard/joint.csv?confirmed_only=1").get_data(as_text=True))))
    assert next(r for r in joint if r[0] == "Loneliness")[3] == "1 (25%)"
    discordance = client.get("/dashboard/discordance.csv?confirmed_only=1").get_data(
        as_text=True)
    assert "\nC2," in discordance and "\nC4," not in discordance


def test_evidence_under_confirmed_tags_only(client, auth, data):
    auth.login("manager@north.test")
    page = client.get("/dashboard/evidence?code=loneliness&polarity=worsened&kind=all"
                      "&confirmed_only=1").get_data(as_text=True)
    assert "C3 loneliness worsened" in page and "C4 loneliness worsened" not in page
    assert "Confirmed tags only" in page
    machine = client.get("/dashboard/evidence?code=loneliness&polarity=worsened&kind=machine"
                         "&confirmed_only=1").get_data(as_text=True)
    assert "No evidence matches." in machine
