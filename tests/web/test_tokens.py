"""The account pages for the API (tokens) and the managers' SP Information Standard export."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import select

from spstories.storage.models import ApiToken, AuditEvent
from tests.api_data import build
from tests.conftest import csrf_token


def _make(client, name="Case management", **extra):
    token = csrf_token(client.get("/account/tokens").get_data(as_text=True))
    return client.post("/account/tokens", data={"csrf_token": token, "name": name, **extra})


def test_a_user_makes_a_token_sees_it_once_and_it_works(client, auth, users, db):
    auth.login("link_worker@north.test")
    page = _make(client, can_write="y").get_data(as_text=True)
    secret = re.search(r'id="new-token">(spst_[\w-]+)<', page).group(1)
    stored = db.scalars(select(ApiToken)).one()
    assert stored.can_write and stored.user_id == users["link_worker"].id
    assert secret not in client.get("/account/tokens").get_data(as_text=True)  # shown once
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.get_json()["data"]["token"]["can_write"] is True
    rows = client.get("/account/tokens").get_data(as_text=True).split("<tbody>")[1]
    assert "Never" not in rows  # its last use is shown


def test_researchers_tokens_are_read_only_whatever_the_form_says(client, auth, users, db):
    auth.login("researcher@north.test")
    _make(client, can_write="y")
    assert db.scalars(select(ApiToken)).one().can_write is False


def test_bad_input_is_shown_on_the_form_and_nothing_is_made(client, auth, users, db):
    auth.login("manager@north.test")
    page = _make(client, name="", expires_on="2099-01-01").get_data(as_text=True)
    assert "Say what the token is for" in page
    page = _make(client, expires_on="2099-01-01").get_data(as_text=True)
    assert "a year at most" in page
    assert db.scalars(select(ApiToken)).first() is None


def test_a_user_revokes_only_their_own_tokens(client, auth, users, db):
    auth.login("manager@north.test")
    _make(client)
    own = db.scalars(select(ApiToken)).one()
    auth.logout()
    auth.login("researcher@north.test")
    token = csrf_token(client.get("/account/tokens").get_data(as_text=True))
    assert client.post(f"/account/tokens/{own.id}/revoke",
                       data={"csrf_token": token}).status_code == 404
    auth.logout()
    auth.login("manager@north.test")
    token = csrf_token(client.get("/account/tokens").get_data(as_text=True))
    assert client.post(f"/account/tokens/{own.id}/revoke",
                       data={"csrf_token": token}).status_code == 302
    db.expire_all()
    assert db.get(ApiToken, own.id).revoked_at is not None
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)


def test_managers_download_the_sp_standard_export(client, auth, users, orgs, db):
    build(db, orgs, users)
    auth.login("link_worker@north.test")
    assert client.get("/exports/sp-standard").status_code == 403
    auth.logout()
    auth.login("manager@north.test")
    page = client.get("/exports/sp-standard").get_data(as_text=True)
    assert "871731000000106" in page and "referrals.csv" in page
    token = csrf_token(page)
    bad = client.post("/exports/sp-standard", data={
        "csrf_token": token, "organisation_ids": orgs["north"].id, "start": "2026-05-01",
        "end": "2026-01-01"})
    assert "start date is after" in bad.get_data(as_text=True)
    response = client.post("/exports/sp-standard", data={
        "csrf_token": token, "organisation_ids": orgs["north"].id})
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "referrals.csv" in archive.namelist()
    # Another organisation cannot be chosen.
    other = client.post("/exports/sp-standard", data={
        "csrf_token": token, "organisation_ids": orgs["south"].id})
    assert other.mimetype != "application/zip"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.sp_standard")).one()
    assert event.user_id == users["manager"].id
