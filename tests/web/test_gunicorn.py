"""The production configuration for real: gunicorn with several workers, gunicorn.conf.py,
behind a (simulated) HTTPS reverse proxy, on this run's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spstories.storage.db import head_revision
from spstories.storage.models import Feedback
from tests.conftest import PASSWORD
from tests.gunicorn_server import Gunicorn, ProxiedClient

pytestmark = pytest.mark.slow


@pytest.fixture
def server(database_url, users, tmp_path):
    server = Gunicorn(database_url, tmp_path / "gunicorn.log", workers=2)
    yield server
    server.stop()


def test_gunicorn_serves_logins_pages_and_writes(server, users, db):
    assert server.output().count("Booting worker") == 2
    with ProxiedClient(server.url) as browser, ProxiedClient(server.url) as anonymous:
        check_a_session(browser, anonymous, users, db)


def check_a_session(browser, anonymous, users, db):
    health = browser.get("/healthz")
    assert health.status == 200
    assert health.text.strip() == (
        f'{{"database":"ok","schema":"{head_revision()}","status":"ok"}}'
    )

    refused = anonymous.get("/feedback/")
    assert refused.status == 302 and "/auth/login" in refused.headers["Location"]

    logged_in = browser.login("link_worker@north.test", PASSWORD)
    assert logged_in.status == 302
    cookie = logged_in.headers["Set-Cookie"]
    assert all(flag in cookie for flag in ("Secure", "HttpOnly", "SameSite=Lax"))
    home = browser.get("/")
    assert home.status == 200 and "link_worker north" in home.text

    organisation = str(users["link_worker"].organisations[0].id)
    saved = browser.post_form("/feedback/new", {
        "organisation_id": organisation, "source": "client", "channel": "follow_up_call",
        "received_on": "2025-03-01", "text": "Going to the choir every week now."})
    assert saved.status == 302, saved.text
    db.expire_all()
    assert db.scalars(select(Feedback.text)).all() == ["Going to the choir every week now."]


def test_gunicorn_will_not_start_without_a_secret(database_url, tmp_path):
    server = Gunicorn(database_url, tmp_path / "gunicorn.log",
                      env={"SPSTORIES_SECRET_KEY": None}, wait=False)
    assert server.wait() == 1
    assert "Error: spstories cannot start: SPSTORIES_SECRET_KEY is not set" in server.output()
    assert "Booting worker" not in server.output()
