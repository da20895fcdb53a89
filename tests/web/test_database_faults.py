"""A database that is busy or down gives a plain 503 page that keeps what the user typed,
never a traceback; nothing is half-saved, and sending it again once the database is back
saves it once."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from spstories.storage.models import Feedback
from spstories.web import create_app
from tests.conftest import PASSWORD, csrf_token
from tests.faults import closed_port_url, database_unavailable

STORY = "She said the walking group\nmade her feel part of things again & <b>safe</b>."


@pytest.fixture
def app(database_url):
    # A short busy timeout, so a held SQLite lock answers in a moment instead of 20 s.
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                      "SESSION_COOKIE_SECURE": False, "SQLITE_BUSY_TIMEOUT": 0.3})
    yield app
    app.extensions["spstories.jobs"].shutdown()
    app.extensions["spstories.engine"].dispose()


def _hidden_fields(html: str) -> dict[str, str]:
    form = html.split('class="retry-form"', 1)[1].split("</form>", 1)[0]
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }


def test_busy_or_down_database_keeps_the_feedback_typed(app, client, auth, users, db):
    auth.login("link_worker@north.test")
    token = csrf_token(client.get("/feedback/new").get_data(as_text=True))
    form = {"csrf_token": token, "organisation_id": str(users["link_worker"].organisations[0].id),
            "source": "client", "channel": "follow_up_call", "received_on": "2025-03-01",
            "text": STORY}
    with database_unavailable(app.config["DATABASE_URL"]) as fault:
        response = client.post("/feedback/new", data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        heading = "The database is busy" if fault == "busy" else "cannot be reached"
        assert heading in page and "Nothing was saved" in page
        # What was typed is on the page, escaped, for copying and in the form to send again.
        assert "part of things again &amp; &lt;b&gt;safe&lt;/b&gt;." in page
        assert _hidden_fields(page)["text"] == STORY
        for leak in ("Traceback", "sqlalchemy", "sqlite3", "psycopg", "SELECT", "INSERT"):
            assert leak not in page
        # The case study's background autosave gets JSON, and the page keeps its text.
        saved = client.post("/case-studies/autosave", headers={"Sec-Fetch-Mode": "cors"},
                            data={**form, "title": "Draft", "narrative": STORY})
        assert saved.status_code == 503 and saved.get_json()["saved"] is False
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0

    again = client.post("/feedback/new", data=_hidden_fields(page))
    assert again.status_code == 302
    assert db.scalars(select(Feedback.text)).all() == [STORY]


def test_unreachable_database_says_so_plainly(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "DATABASE_URL": closed_port_url(), "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    login = client.get("/auth/login")
    assert login.status_code == 200  # the login page itself needs no database
    response = client.post("/auth/login", data={
        "csrf_token": csrf_token(login.get_data(as_text=True)),
        "email": "someone@north.test", "password": PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "cannot reach its database" in page
    assert "someone@north.test" in page and PASSWORD not in page  # passwords are never echoed
    assert "Back to the form" in page and "retry-form" not in page
    port = app.config["DATABASE_URL"].rsplit(":", 1)[1].split("/")[0]
    for leak in (port, "127.0.0.1", "not-a-secret", "Traceback", "psycopg"):
        assert leak not in page
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "unavailable"}
    app.extensions["spstories.engine"].dispose()
