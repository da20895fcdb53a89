"""Logging in under attack: lockouts per account and per address, unlocking, session
timeouts, the password policy, debug mode, and the audit trail of all of it."""

from __future__ import annotations

import io
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.security import check_password_hash

from spstories.core.passwords import password_problems
from spstories.main import cli
from spstories.services.accounts import (
    LOCKED_MESSAGE,
    LOGIN_FAILED_MESSAGE,
    MAX_FAILED_LOGINS,
    MAX_FAILED_LOGINS_PER_ADDRESS,
)
from spstories.storage.models import AuditEvent, User
from tests.conftest import PASSWORD, AuthActions


def _events(db, *actions):
    db.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)
    return list(db.scalars(stmt))


def _from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def _fail(auth, email, times):
    for _ in range(times):
        page = auth.login(email, "not the password").get_data(as_text=True)
    return page


def test_locked_account_refuses_the_right_password_with_a_message_that_hides_existence(
    client, auth, users
):
    _fail(auth, "manager@north.test", MAX_FAILED_LOGINS)
    known = auth.login("manager@north.test").get_data(as_text=True)
    _fail(auth, "nobody@north.test", MAX_FAILED_LOGINS)
    unknown = auth.login("nobody@north.test").get_data(as_text=True)
    assert LOCKED_MESSAGE in known and LOCKED_MESSAGE in unknown
    assert client.get("/").status_code == 302
    assert auth.login("researcher@north.test").status_code == 302  # others are not affected


def test_a_successful_login_clears_earlier_failures(client, auth, users):
    _fail(auth, "manager@north.test", MAX_FAILED_LOGINS - 1)
    assert auth.login("manager@north.test").status_code == 302
    auth.logout()
    _fail(auth, "manager@north.test", MAX_FAILED_LOGINS - 1)
    assert auth.login("manager@north.test").status_code == 302


def test_one_address_trying_many_accounts_is_locked_out(app, users):
    sprayer = _from(app, "203.0.113.9")
    for n in range(MAX_FAILED_LOGINS_PER_ADDRESS):
        sprayer.login(f"guess{n}@north.test", "Summer2024!")
    page = sprayer.login("admin@north.test").get_data(as_text=True)
    assert LOCKED_MESSAGE in page
    elsewhere = _from(app, "198.51.100.7")
    assert elsewhere.login("admin@north.test").status_code == 302


def test_an_administrator_unlocks_an_account_and_it_is_audited(client, auth, users, db):
    _fail(auth, "manager@north.test", MAX_FAILED_LOGINS)
    auth.login("admin@north.test")
    page = client.get(f"/admin/users/{users['manager'].id}").get_data(as_text=True)
    assert f"Locked after {MAX_FAILED_LOGINS} failed logins" in page
    assert "locked out" in client.get("/admin/users").get_data(as_text=True)
    response = auth.post(f"/admin/users/{users['manager'].id}/unlock", {},
                         form_path=f"/admin/users/{users['manager'].id}")
    assert response.status_code == 302
    [event] = _events(db, "login.unlock")
    assert (event.user_id, event.object_id) == (users["admin"].id, users["manager"].id)
    auth.logout()
    assert auth.login("manager@north.test").status_code == 302


def test_an_administrator_cannot_unlock_someone_outside_their_organisations(
    client, auth, users, db
):
    auth.login("admin@north.test")
    response = auth.post(f"/admin/users/{users['south_link_worker'].id}/unlock", {},
                         form_path="/admin/users")
    assert response.status_code == 404
    assert _events(db, "login.unlock") == []


def test_every_kind_of_login_event_is_in_the_append_only_trail(app, users, db):
    auth = _from(app, "192.0.2.44")
    auth.login("link_worker@north.test", "wrong password 1")
    auth.login("nobody@north.test", "wrong password 2")
    auth.login("link_worker@north.test")
    auth.logout()
    _fail(auth, "researcher@north.test", MAX_FAILED_LOGINS)
    auth.login("researcher@north.test")
    events = _events(db, "login", "login.failed", "logout", "login.locked")
    summary = [(e.action, e.details.get("email"), e.details.get("reason")) for e in events]
    assert summary[:4] == [
        ("login.failed", "link_worker@north.test", "wrong password"),
        ("login.failed", "nobody@north.test", "unknown email"),
        ("login", "link_worker@north.test", None),
        ("logout", None, None),
    ]
    assert summary[-1] == ("login.locked", "researcher@north.test", "email")
    assert {e.details.get("address") for e in events} == {"192.0.2.44"}
    assert events[2].user_id == events[3].user_id == users["link_worker"].id
    assert not any("wrong password" in str(e.details.get("password", "")) for e in events)


@pytest.mark.parametrize(("key", "age", "reason"), [
    ("seen_at", 31 * 60, "idle"),
    ("login_at", 8 * 3600 + 60, "lifetime"),
])
def test_sessions_end_when_idle_or_too_old(client, auth, users, db, key, age, reason):
    auth.login("link_worker@north.test")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session[key] = time.time() - age
    response = client.get("/clients/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/").status_code == 302  # and stays ended
    [event] = _events(db, "session.expired")
    assert (event.user_id, event.details["reason"]) == (users["link_worker"].id, reason)


def test_activity_keeps_the_session_but_polling_does_not(client, auth, users):
    auth.login("link_worker@north.test")
    with client.session_transaction() as session:
        session["seen_at"] = stale = time.time() - 20 * 60
    client.get("/jobs/999.json")  # a page polling a job's progress by itself
    with client.session_transaction() as session:
        assert session["seen_at"] == stale
    client.get("/")
    with client.session_transaction() as session:
        assert session["seen_at"] > stale


@pytest.mark.parametrize(("password", "problem"), [
    ("short", "at least 10 characters"),
    ("password123", "too common"),
    ("Password1234", "too common"),
    ("aaaaaaaaaaaaaa", "too common"),
    ("jane.smith-2025", "email address or name"),
    ("x" * 201, "at most 200"),
])
def test_password_policy_refuses(password, problem):
    problems = password_problems(password, email="jane.smith@north.test", name="Jane Smith")
    assert any(problem in p for p in problems), problems


def test_password_policy_accepts_a_long_uncommon_passphrase():
    assert password_problems(PASSWORD, email="jane.smith@north.test", name="Jane Smith") == []


def test_admin_cannot_set_a_common_password(client, auth, users, orgs, db):
    auth.login("admin@north.test")
    response = auth.post("/admin/users/new", {
        "email": "new.worker@north.test", "name": "New Worker", "role": "link_worker",
        "organisations": [orgs["north"].id], "password": "qwertyuiop", "active": "y"},
        form_path="/admin/users/new")
    assert "too common" in response.get_data(as_text=True)
    assert db.scalars(select(User).where(User.email == "new.worker@north.test")).first() is None
    response = auth.post(f"/admin/users/{users['manager'].id}", {
        "email": "manager@north.test", "name": "manager north", "role": "manager",
        "organisations": [orgs["north"].id], "password": "manager-north-1", "active": "y"})
    assert "must not contain your email address" in response.get_data(as_text=True)


def test_cli_password_reset_applies_the_policy_and_unlock_clears_a_lockout(
    database_url, users, db, auth
):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["--database-url", database_url, "users", *args])

    refused = run("set-password", "manager@north.test", "--password", "iloveyou12")
    assert refused.exit_code != 0 and "too common" in refused.output
    done = run("set-password", "manager@north.test", "--password", "violet kettle orbit")
    assert done.exit_code == 0, done.output
    db.expire_all()
    assert check_password_hash(db.get(User, users["manager"].id).password_hash,
                               "violet kettle orbit")
    _fail(auth, "manager@north.test", MAX_FAILED_LOGINS)
    assert LOCKED_MESSAGE in auth.login("manager@north.test", "violet kettle orbit").get_data(
        as_text=True)
    assert run("unlock", "manager@north.test").exit_code == 0
    assert auth.login("manager@north.test", "violet kettle orbit").status_code == 302
    assert run("unlock", "nobody@north.test").exit_code != 0


def test_login_failure_message_is_unchanged_for_wrong_passwords(auth, users):
    assert LOGIN_FAILED_MESSAGE in _fail(auth, "admin@north.test", 1)


@pytest.mark.parametrize("variable", ["FLASK_DEBUG", "SPSTORIES_DEBUG"])
def test_debug_is_refused_from_the_environment_in_development_too(monkeypatch, variable):
    # The settings given to create_app() are checked the same way (tests/web/test_production.py).
    from spstories.web import create_app
    from spstories.web.config import ConfigurationError

    monkeypatch.setenv(variable, "1")
    with pytest.raises(ConfigurationError, match="Debug mode is for development only"):
        create_app()


def _assert_hardened(response):
    headers = response.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_security_headers_on_errors_static_files_and_downloads(app, client, auth, users):
    for path, method in (("/auth/login", "GET"), ("/static/app.css", "GET"),
                         ("/no-such-page", "GET"), ("/auth/login", "PUT")):
        with client.open(path, method=method) as response:
            _assert_hardened(response)
    assert client.put("/auth/login").status_code == 405
    auth.login("link_worker@north.test")
    _assert_hardened(client.get("/imports/templates/clients.csv"))
    _assert_hardened(client.get("/clients/999999"))


def test_an_upload_over_the_limit_is_refused_with_a_page(app, client, auth, users):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    auth.login("link_worker@north.test")
    response = client.post("/imports/", data={"file": (io.BytesIO(b"x" * 4096), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
    _assert_hardened(response)


def test_server_errors_get_the_app_page_and_headers(database_url):
    from spstories.web import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x",
                      "SESSION_COOKIE_SECURE": False})

    @app.get("/boom")
    def boom():  # a view that fails, as a bug would
        raise RuntimeError("a bug")

    boom.public = True
    try:
        response = app.test_client().get("/boom")
        assert response.status_code == 500
        assert "Something went wrong" in response.get_data(as_text=True)
        assert "a bug" not in response.get_data(as_text=True)
        _assert_hardened(response)
    finally:
        app.extensions["spstories.jobs"].shutdown()
        app.extensions["spstories.engine"].dispose()
