"""Production settings: a given secret, no debug, Secure cookies, trusted proxies only, a
health endpoint that says little, and a schema that must be current before serving."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import request
from sqlalchemy.engine import make_url

from spstories.errors import SpstoriesError
from spstories.main import cli
from spstories.storage.db import current_revision, head_revision, make_engine, upgrade
from spstories.web import create_app
from spstories.web.access import public
from spstories.web.config import ConfigurationError
from spstories.web.production import create_production_app, prepare
from tests.faults import closed_port_url
from tests.gunicorn_server import SECRET


@pytest.fixture
def old_database(template_db, tmp_path):
    """A database whose schema stopped at revision 0003."""
    url = template_db.empty(tmp_path, "old")
    engine = make_engine(url)
    upgrade(engine, "0003")
    engine.dispose()
    yield url
    template_db.drop(url)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "SPSTORIES_SECRET_KEY is not set"),
        ({"SECRET_KEY": "changeme"}, "too short"),
        ({"SECRET_KEY": SECRET, "DEBUG": True}, "Debug mode is for development only"),
        ({"SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": False}, "must be Secure"),
        ({"SECRET_KEY": SECRET, "TRUSTED_PROXIES": "two"}, "whole number"),
    ],
)
def test_production_refuses_unsafe_settings(database_url, settings, message):
    with pytest.raises(ConfigurationError, match=message):
        create_app({"DATABASE_URL": database_url, **settings}, production=True)


def _where_app(database_url, production, **settings):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET, **settings},
                     production=production)

    @public
    def where():
        return f"{request.remote_addr} {request.scheme} {request.host}"

    app.add_url_rule("/where", "where", where)
    return app


@pytest.mark.parametrize(("production", "proxies", "seen"), [
    (True, None, "203.0.113.7 https spstories.example.nhs.uk"),  # one proxy by default
    (True, 2, "198.51.100.1 https spstories.example.nhs.uk"),
    (False, None, "127.0.0.1 http localhost"),  # development believes no headers
])
def test_only_trusted_proxies_are_believed(database_url, production, proxies, seen):
    settings = {} if proxies is None else {"TRUSTED_PROXIES": proxies}
    app = _where_app(database_url, production, **settings)
    response = app.test_client().get("/where", headers={
        "X-Forwarded-For": "198.51.100.1, 203.0.113.7",
        "X-Forwarded-Proto": "https, https",
        "X-Forwarded-Host": "spstories.example.nhs.uk, spstories.example.nhs.uk",
    })
    assert response.get_data(as_text=True) == seen
    app.extensions["spstories.engine"].dispose()


def test_health_says_ok_and_the_revision_and_nothing_else(client):
    response = client.get("/healthz")  # no login
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "schema": head_revision()}
    assert "Set-Cookie" not in response.headers


def test_health_and_workers_refuse_an_out_of_date_schema(old_database, monkeypatch):
    app = create_app({"DATABASE_URL": old_database, "SECRET_KEY": SECRET})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "schema": "0003",
                                   "schema_needed": head_revision()}
    app.extensions["spstories.engine"].dispose()

    monkeypatch.setenv("DATABASE_URL", old_database)
    monkeypatch.setenv("SPSTORIES_SECRET_KEY", SECRET)
    with pytest.raises(SpstoriesError, match="upgrade-db"):
        create_production_app()  # a worker never migrates: several could at once


def test_server_start_upgrades_sqlite_and_refuses_old_postgresql(old_database, monkeypatch):
    """As `spstories serve` does, once, before gunicorn starts any worker."""
    monkeypatch.setenv("DATABASE_URL", old_database)
    monkeypatch.setenv("SPSTORIES_SECRET_KEY", SECRET)
    engine = make_engine(old_database)
    if make_url(old_database).get_backend_name() == "sqlite":
        prepare()
        assert current_revision(engine) == head_revision()
    else:
        with pytest.raises(RuntimeError, match=r"spstories cannot start: .*upgrade-db"):
            prepare()
        assert current_revision(engine) == "0003"
    engine.dispose()


def test_serve_refuses_the_debugger_beyond_this_machine():
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--debug"])  # noqa: S104
    assert result.exit_code == 2
    assert "--debug is only allowed on the loopback address" in result.output


def test_server_start_says_plainly_when_the_database_cannot_be_reached(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", closed_port_url())
    monkeypatch.setenv("SPSTORIES_SECRET_KEY", SECRET)
    with pytest.raises(RuntimeError, match="cannot use the database") as raised:
        prepare()
    assert "not-a-secret" not in str(raised.value)  # the password stays out of the log
