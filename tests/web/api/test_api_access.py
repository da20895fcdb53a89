"""Every API operation x every role x own and other organisation, from the one role table."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spstories.core.vocabulary import Role
from spstories.services.accounts import create_user
from spstories.storage.models import Tag
from spstories.web.api.registry import OPERATIONS
from spstories.web.api.roles import ROLES
from tests.api_data import PASSWORD, bearer, token

# detail operation -> (record key in North, record key in South)
RECORDS = {
    "api.get_client": ("north_client", "south_client"),
    "api.get_referral": ("north_referral", "south_referral"),
    "api.get_case_study": ("north_case_study", "south_case_study"),
    "api.get_feedback": ("north_feedback", "south_feedback"),
    "api.get_measure_response": ("north_measure", "south_measure"),
    "api.get_tag": ("north_tag", "south_tag"),
}
BODIES = {
    "api.create_feedback": {"source": "client", "channel": "email",
                            "received_on": "2026-01-05", "text": "Thank you."},
    "api.create_client": {"reference": "N-API-1",
                          "referral": {"referred_on": "2026-01-05", "source": "gp"}},
}


def _ids(db, records):
    ids = dict(records.ids)
    for org in ("north", "south"):
        ids[f"{org}_tag"] = db.scalars(select(Tag.id).where(
            Tag.feedback_id == records[f"{org}_feedback"])).first()
    return ids


def _path(op, record_id):
    return "/api/v1" + op.path.replace("{" + op.path_params[0] + "}", str(record_id))


def test_the_role_table_names_every_operation_and_only_those():
    assert {op.endpoint for op in OPERATIONS} == set(ROLES)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_operation_for_each_role_in_its_own_and_another_organisation(
        client, db, users, orgs, records, role):
    ids = _ids(db, records)
    read, write = token(db, users[role]), token(db, users[role], can_write=True)
    north = orgs["north"].id
    checked = set()
    for op in OPERATIONS:
        allowed = Role(role) in op.roles
        if op.method == "GET" and op.path_params:
            own, other = RECORDS[op.endpoint]
            mine = client.get(_path(op, ids[own]), headers=bearer(read))
            theirs = client.get(_path(op, ids[other]), headers=bearer(read))
            expected = (200, 404) if allowed else (403, 403)
            assert (mine.status_code, theirs.status_code) == expected, (role, op.endpoint)
            if allowed:
                assert mine.get_json()["data"]["id"] == ids[own]
        elif op.method == "GET":
            response = client.get("/api/v1" + op.path, headers=bearer(read))
            assert response.status_code == (200 if allowed else 403), (role, op.endpoint)
            data = response.get_json()["data"] if allowed else None
            if isinstance(data, list) and op.endpoint != "api.organisations":
                assert data, op.endpoint  # North has records of every kind
                assert {item["organisation_id"] for item in data} == {north}, op.endpoint
            if op.endpoint == "api.outcome_counts" and allowed:
                assert data["organisation_ids"] == [north]
        else:
            body = {**BODIES[op.endpoint], "organisation_id": north}
            refused = client.post("/api/v1" + op.path, json=body, headers=bearer(read))
            assert refused.status_code == 403, (role, op.endpoint)
            done = client.post("/api/v1" + op.path, json=body, headers=bearer(write))
            assert done.status_code == (201 if allowed else 403), (role, op.endpoint, done.json)
            if allowed:
                other = {**body, "organisation_id": orgs["south"].id, "reference": "N-API-2"}
                other = {k: v for k, v in other.items() if k in BODIES[op.endpoint]
                         or k == "organisation_id"}
                wrong = client.post("/api/v1" + op.path, json=other, headers=bearer(write))
                assert wrong.status_code == 422, (role, op.endpoint)
                assert "organisation_id" in wrong.get_json()["fields"]
        checked.add(op.endpoint)
    assert checked == set(ROLES)


def test_a_member_of_two_organisations_sees_both_and_can_narrow_to_one(
        client, db, orgs, records):
    both = create_user(db, email="researcher@both.test", name="both", role="researcher",
                       password=PASSWORD, organisations=[orgs["north"], orgs["south"]])
    db.commit()
    secret = token(db, both)
    everything = client.get("/api/v1/clients", headers=bearer(secret)).get_json()["data"]
    assert {c["organisation_id"] for c in everything} == {orgs["north"].id, orgs["south"].id}
    south = client.get(f"/api/v1/clients?organisation_id={orgs['south'].id}",
                       headers=bearer(secret)).get_json()["data"]
    assert [c["reference"] for c in south] == ["S-001"]
    counts = client.get("/api/v1/outcome-counts", headers=bearer(secret)).get_json()["data"]
    assert sorted(counts["organisation_ids"]) == sorted([orgs["north"].id, orgs["south"].id])


def test_asking_for_another_organisation_gives_nothing_of_it(client, db, users, orgs, records):
    secret = token(db, users["manager"])
    south = orgs["south"].id
    for path in ("/clients", "/feedback", "/tags", "/case-studies", "/measure-responses",
                 "/referrals"):
        response = client.get(f"/api/v1{path}?organisation_id={south}", headers=bearer(secret))
        assert response.status_code == 200 and response.get_json()["data"] == [], path
    counts = client.get(f"/api/v1/outcome-counts?organisation_id={south}",
                        headers=bearer(secret)).get_json()["data"]
    assert counts["organisation_ids"] == []
    assert all(o["clients"]["value"] == 0 for o in counts["outcomes"])
