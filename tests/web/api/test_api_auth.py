"""Token authentication: only a live bearer token opens the API; the session cookie never does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from spstories.services import tokens
from spstories.services.accounts import update_user
from spstories.storage.models import ApiToken, AuditEvent
from spstories.storage.models.base import utcnow
from tests.api_data import bearer, token


def _refused(response, detail: str) -> None:
    assert response.status_code == 401
    assert response.is_json, response.data[:200]
    assert response.get_json()["error"] == "unauthorized"
    assert detail in response.get_json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_opens_the_api_as_its_user(client, db, users):
    secret = token(db, users["manager"])
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    me = response.get_json()["data"]
    assert (me["email"], me["role"]) == ("manager@north.test", "manager")
    assert [o["name"] for o in me["organisations"]] == ["North SP"]
    assert me["token"]["can_write"] is False


@pytest.mark.parametrize("header, detail", [
    (None, "Send a personal API token"),
    ("Basic dXNlcjpwYXNz", "Use the Bearer scheme"),
    ("Bearer ", "Use the Bearer scheme"),
    ("Bearer not-ours", "not an spstories API token"),
    ("Bearer spst_" + "x" * 43, "not known"),
])
def test_missing_malformed_and_unknown_tokens_are_refused(client, users, header, detail):
    headers = {"Authorization": header} if header is not None else {}
    _refused(client.get("/api/v1/clients", headers=headers), detail)


def test_an_expired_token_is_refused(client, db, users):
    secret = token(db, users["manager"])
    stored = db.scalars(select(ApiToken)).one()
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    _refused(client.get("/api/v1/me", headers=bearer(secret)), "expired")


def test_a_revoked_token_is_refused_and_revoking_is_audited(client, db, users):
    secret = token(db, users["manager"])
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    tokens.revoke_token(db, db.scalars(select(ApiToken)).one(), actor=users["manager"])
    db.commit()
    _refused(client.get("/api/v1/me", headers=bearer(secret)), "revoked")
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoke")).one()


def test_a_deactivated_users_token_stops_working(client, db, users):
    secret = token(db, users["manager"])
    update_user(db, users["manager"], actor=users["admin"], active=False)
    db.commit()
    _refused(client.get("/api/v1/me", headers=bearer(secret)), "deactivated")


def test_the_session_cookie_alone_cannot_call_the_api(client, auth, users):
    auth.login("manager@north.test")
    assert client.get("/clients/").status_code == 200  # logged in for the pages
    _refused(client.get("/api/v1/clients"), "Send a personal API token")
    response = client.post("/api/v1/feedback", json={"text": "x"})
    _refused(response, "Send a personal API token")


def test_a_token_with_a_session_cookie_acts_as_the_tokens_user(client, auth, db, users):
    auth.login("manager@north.test")
    secret = token(db, users["researcher"])
    me = client.get("/api/v1/me", headers=bearer(secret)).get_json()["data"]
    assert me["role"] == "researcher"


def test_tokens_are_stored_hashed_with_their_last_use(client, db, users):
    made = tokens.create_token(db, users["manager"], "Warehouse", can_write=False)
    db.commit()
    stored = db.get(ApiToken, made.token.id)
    assert made.secret.startswith("spst_") and len(made.secret) > 40
    assert stored.token_hash == tokens.hash_secret(made.secret) != made.secret
    assert made.secret not in str([stored.name, stored.prefix, stored.token_hash])
    assert made.secret.startswith(stored.prefix)
    assert stored.last_used_at is None
    client.get("/api/v1/me", headers=bearer(made.secret))
    db.expire_all()
    assert db.get(ApiToken, made.token.id).last_used_at is not None


@pytest.mark.parametrize("days, message", [(0, "in the future"), (400, "a year at most")])
def test_a_token_must_expire_within_a_year(db, users, days, message):
    with pytest.raises(tokens.TokenError, match=message):
        tokens.create_token(db, users["manager"], "x",
                            expires_on=utcnow().date() + timedelta(days=days))


def test_writes_need_no_csrf_token_but_do_need_a_bearer_token(client, db, users):
    secret = token(db, users["link_worker"], can_write=True)
    body = {"source": "client", "channel": "email", "received_on": "2026-01-05",
            "text": "Thank you for the walking group."}
    response = client.post("/api/v1/feedback", json=body, headers=bearer(secret))
    assert response.status_code == 201, response.get_json()
