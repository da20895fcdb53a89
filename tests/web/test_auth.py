"""Logging in and out, sessions, CSRF and the same message for every failure."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spstories.services.accounts import LOGIN_FAILED_MESSAGE, MAX_FAILED_LOGINS
from spstories.storage.models import AuditEvent


def test_login_page_renders_with_csrf_token(client):
    page = client.get("/auth/login")
    assert page.status_code == 200
    assert b'name="csrf_token"' in page.data


@pytest.mark.parametrize("role", ["link_worker", "manager", "researcher", "admin"])
def test_each_role_logs_in_and_sees_its_home(client, auth, users, role):
    response = auth.login(f"{role}@north.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    heading = {
        "link_worker": "My recording",
        "manager": "Service overview",
        "researcher": "Research workbench",
        "admin": "Administration",
    }[role]
    assert f"<h1>{heading}</h1>" in home


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("link_worker@north.test", "wrong password!"),
        ("nobody@north.test", "correct horse battery"),
    ],
)
def test_wrong_password_and_unknown_user_give_the_same_message(
    client, auth, users, email, password
):
    response = auth.login(email, password)
    assert response.status_code == 200
    assert LOGIN_FAILED_MESSAGE in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client, auth, users):
    assert auth.login("LINK_WORKER@North.Test").status_code == 302


def test_deactivated_user_cannot_log_in_and_is_logged_out(client, auth, users, db):
    assert auth.login("manager@north.test").status_code == 302
    user = db.merge(users["manager"])
    user.active = False
    db.commit()
    assert client.get("/").status_code == 302  # the live session ends too
    response = auth.login("manager@north.test")
    assert LOGIN_FAILED_MESSAGE in response.get_data(as_text=True)


def test_repeated_failures_lock_the_account_for_a_while(client, auth, users):
    for _ in range(MAX_FAILED_LOGINS):
        auth.login("admin@north.test", "not the password")
    response = auth.login("admin@north.test")  # right password, but locked
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, users):
    response = client.post(
        "/auth/login", data={"email": "admin@north.test", "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_logout_needs_post_with_csrf_and_ends_the_session(client, auth, users):
    auth.login("researcher@north.test")
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client, users):
    from tests.conftest import csrf_token

    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login?next=//evil.example/x",
        data={
            "email": "admin@north.test",
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/"


def test_login_and_failures_are_audited(auth, users, db):
    auth.login("admin@north.test", "bad password 1")
    auth.login("admin@north.test")
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login.failed", "login"]


def test_session_cookie_is_http_only_and_same_site(client, auth, users):
    response = auth.login("admin@north.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookie_is_the_default(database_url):
    from spstories.web import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["spstories.engine"].dispose()


def test_security_headers(client):
    response = client.get("/auth/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
