"""Writes: feedback and clients pushed by other systems, validated by field, safe to retry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from spstories.storage.models import AuditEvent, Client, Feedback, Referral, Tag

FEEDBACK = {"source": "client", "channel": "follow_up_call", "received_on": "2026-01-05",
            "text": "Since the walking group I no longer feel lonely."}


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_feedback_is_recorded_tagged_and_audited(api, db, users):
    response = api.post("/feedback", FEEDBACK)
    assert response.status_code == 201
    data = response.get_json()["data"]
    assert response.headers["Location"] == f"/api/v1/feedback/{data['id']}"
    item = db.get(Feedback, data["id"])
    assert item.text == FEEDBACK["text"] and item.recorded_by_id == users["link_worker"].id
    assert db.scalars(select(Tag).where(Tag.feedback_id == item.id)).first() is not None
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == item.id,
                                                             AuditEvent.object_type == "Feedback")))
    assert {"feedback.record", "api.write"} <= actions
    # Not linked to a client, so its text is not sent back either.
    assert data["text"] is None and data["text_withheld"]


def test_feedback_can_name_an_existing_client(api, db, records):
    response = api.post("/feedback", {**FEEDBACK, "client_reference": "N-001"})
    assert response.status_code == 201
    assert db.get(Feedback, response.get_json()["data"]["id"]).client_id == \
        records["north_client"]


@pytest.mark.parametrize("change, field, words", [
    ({"source": "neighbour"}, "source", "expected one of"),
    ({"received_on": "05/01/2026"}, "received_on", "expected a date"),
    ({"received_on": (date.today() + timedelta(days=3)).isoformat()}, "received_on",
     "future"),
    ({"text": ""}, "text", "must not be empty"),
    ({"text": "   "}, "text", "Enter the feedback"),
    ({"text": 42}, "text", "expected string"),
    ({"formal": "yes"}, "formal", "expected boolean"),
    ({"colour": "red"}, "colour", "not a field"),
    ({"client_reference": "N-999"}, "client_reference", "No client"),
    ({"organisation_id": 999}, "organisation_id", "one of your organisations"),
])
def test_invalid_feedback_is_refused_naming_the_field(api, db, users, change, field, words):
    response = api.post("/feedback", {**FEEDBACK, **change})
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "validation_failed"
    assert words in body["fields"][field]
    assert _count(db, Feedback) == 0


def test_missing_fields_are_each_named(api, db, users):
    body = api.post("/feedback", {}).get_json()
    assert set(body["fields"]) == {"source", "channel", "received_on", "text"}


def test_malformed_bodies_are_refused(api, client, users):
    secret = api.secret("link_worker", write=True)
    headers = {"Authorization": f"Bearer {secret}"}
    not_json = client.post("/api/v1/feedback", data="text=hello", headers=headers,
                           content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 415 and not_json.get_json()["error"] == "unsupported_media_type"
    broken = client.post("/api/v1/feedback", data="{not json", headers=headers,
                         content_type="application/json")
    assert broken.status_code == 400 and broken.is_json
    listed = api.post("/feedback", [FEEDBACK])
    assert listed.status_code == 422 and "body" in listed.get_json()["fields"]


def test_a_retry_with_the_same_idempotency_key_makes_no_second_record(api, db, users):
    key = {"Idempotency-Key": "cms-sync-0001"}
    first = api.post("/feedback", FEEDBACK, headers=key)
    again = api.post("/feedback", FEEDBACK, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["data"]["id"] == again.get_json()["data"]["id"]
    assert _count(db, Feedback) == 1
    other = api.post("/feedback", FEEDBACK, headers={"Idempotency-Key": "cms-sync-0002"})
    assert other.status_code == 201 and _count(db, Feedback) == 2
    clash = api.post("/clients", {"reference": "N-777"}, headers=key)
    assert clash.status_code == 422 and "Idempotency-Key" in clash.get_json()["fields"]


def test_a_client_is_added_with_a_referral(api, db, orgs):
    body = {"reference": "N-100", "age_band": "45-54", "area": "m14",
            "referral": {"referred_on": "2026-01-05", "source": "gp", "needs": ["finances"]}}
    response = api.post("/clients", body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert data["client"]["area"] == "M14" and data["client"]["organisation_id"] == \
        orgs["north"].id
    assert [r["needs"] for r in data["referrals"]] == [["finances"]]
    assert response.headers["Location"] == f"/api/v1/clients/{data['client']['id']}"
    assert db.scalars(select(Referral)).one().client_id == data["client"]["id"]


@pytest.mark.parametrize("body, field", [
    ({"reference": "Jane Smith"}, "reference"),
    ({"reference": "N-1", "area": "M14 5RT"}, "area"),
    ({"reference": "N-1", "imd_decile": 11}, "imd_decile"),
    ({"reference": "N-1", "referral": {"referred_on": "2026-01-05"}}, "referral.source"),
    ({"reference": "N-1", "referral": {"referred_on": "2099-01-05", "source": "gp"}},
     "referral.referred_on"),
])
def test_invalid_clients_are_refused_and_nothing_is_kept(api, db, users, body, field):
    response = api.post("/clients", body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"], response.get_json()
    assert _count(db, Client) == 0


def test_a_duplicate_reference_is_refused(api, db, records):
    response = api.post("/clients", {"reference": "n-001"})
    assert response.status_code == 422
    assert "already a client" in response.get_json()["fields"]["reference"]


def test_a_member_of_several_organisations_must_say_which(api, db, users, orgs):
    users["link_worker"].organisations.append(orgs["south"])
    db.commit()
    response = api.post("/feedback", FEEDBACK)
    assert response.status_code == 422
    assert "several organisations" in response.get_json()["fields"]["organisation_id"]


@pytest.mark.parametrize("text", ["nul \x00 byte", "lone \ud800 surrogate"])
def test_text_no_database_can_store_is_refused(api, db, users, text):
    response = api.post("/feedback", {**FEEDBACK, "text": text})
    assert response.status_code == 422 and "text" in response.get_json()["fields"]
    assert api.get("/clients?reference=a%00b").status_code == 400


def test_a_body_over_the_size_limit_is_refused_as_json(api, app, users):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = api.post("/feedback", {**FEEDBACK, "text": "x" * 2000})
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"


def test_concurrent_retries_with_one_key_make_one_record(app, api, db, users):
    from concurrent.futures import ThreadPoolExecutor

    secret = api.secret("link_worker", write=True)

    def send(n: int) -> int:
        response = app.test_client().post(
            "/api/v1/feedback", json=FEEDBACK,
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "same-key"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(send, range(4)))
    assert statuses[0] == 200 and statuses.count(201) == 1, statuses
    assert set(statuses) <= {200, 201}
    assert _count(db, Feedback) == 1
