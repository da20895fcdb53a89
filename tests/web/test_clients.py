"""Clients through the real app: list, search, create with a referral, timeline, scoping."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from spstories.storage.models import CaseStudy, Client, Feedback, Referral

REFERRED = date.today() - timedelta(days=120)


def _form(orgs, **overrides):
    data = {
        "organisation_id": orgs["north"].id,
        "reference": "N-0042",
        "age_band": "45-54",
        "gender": "male",
        "ethnic_group": "asian",
        "area": "sw1a",
        "imd_decile": "4",
        "referred_on": REFERRED.isoformat(),
        "source": "gp",
        "service": "Link workers",
        "needs": ["loneliness", "finances"],
        "reasons": "Isolated since retiring",
        "status": "accepted",
        "first_contact_on": (REFERRED + timedelta(days=2)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def clients_by_org(db, orgs):
    made = {
        "north": Client(organisation_id=orgs["north"].id, reference="N-001", area="M14"),
        "north2": Client(organisation_id=orgs["north"].id, reference="N-002"),
        "south": Client(organisation_id=orgs["south"].id, reference="S-001"),
    }
    db.add_all(made.values())
    db.commit()
    return made


def test_link_worker_adds_a_client_with_a_referral(client, auth, users, orgs, db):
    auth.login("link_worker@north.test")
    response = auth.post("/clients/new", _form(orgs))
    assert response.status_code == 302
    stored = db.scalars(select(Client)).one()
    assert (stored.reference, stored.area, stored.imd_decile) == ("N-0042", "SW1A", 4)
    referral = db.scalars(select(Referral)).one()
    assert referral.needs == ["loneliness", "finances"]
    assert referral.first_contact_on == REFERRED + timedelta(days=2)
    assert response.headers["Location"].endswith(f"/clients/{stored.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Client N-0042" in page
    assert "Referral from GP" in page
    assert "Needs: Loneliness or isolation, Money, debt or benefits" in page


def test_invalid_client_keeps_input_and_saves_nothing(
    client, auth, users, orgs, db, clients_by_org
):
    auth.login("manager@north.test")
    response = auth.post(
        "/clients/new",
        _form(
            orgs,
            reference="n-001",
            area="M14 5AB",
            imd_decile="eleven",
            referred_on=(date.today() + timedelta(days=3)).isoformat(),
            first_contact_on="",
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem; nothing was saved" in page
    assert "There is already a client with reference &#39;n-001&#39;" in page
    assert "never the full postcode" in page
    assert "Enter a whole number, e.g. 3." in page
    assert "The referral date cannot be in the future." in page
    assert 'value="M14 5AB"' in page  # what was typed is kept
    assert 'value="Link workers"' in page
    assert re.search(
        r'<input checked id="needs-\d+" name="needs" type="checkbox" '
        r'value="finances">',
        page,
    )
    assert 'aria-invalid="true"' in page
    assert db.scalar(select(func.count()).select_from(Client)) == 3
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_list_is_scoped_and_searchable(client, auth, users, clients_by_org):
    auth.login("researcher@north.test")
    page = client.get("/clients/").get_data(as_text=True)
    assert "N-001" in page and "N-002" in page
    assert "S-001" not in page
    assert "Add a client" not in page  # researchers view only
    found = client.get("/clients/?q=002").get_data(as_text=True)
    assert "N-002" in found and "N-001" not in found
    assert "No client reference contains" in client.get("/clients/?q=zzz").get_data(as_text=True)


def test_every_role_sees_the_clients_link_and_timeline(client, auth, users, clients_by_org):
    north = clients_by_org["north"]
    for role in ("link_worker", "manager", "researcher", "admin"):
        auth.login(f"{role}@north.test")
        page = client.get(f"/clients/{north.id}")
        assert page.status_code == 200, role
        assert '<li><a href="/clients/">Clients</a></li>' in page.get_data(as_text=True), role
        auth.logout()


def test_another_organisations_client_is_not_found(client, auth, users, clients_by_org):
    auth.login("link_worker@north.test")
    south = clients_by_org["south"]
    assert client.get(f"/clients/{south.id}").status_code == 404
    assert client.get(f"/clients/{south.id}/measures/new?instrument=swemwbs").status_code == 404
    response = auth.post(
        f"/clients/{south.id}/measures/new?instrument=swemwbs",
        {"timepoint": "baseline"},
        form_path="/clients/",
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["researcher", "admin"])
def test_viewers_cannot_add_clients(client, auth, users, orgs, db, role):
    auth.login(f"{role}@north.test")
    assert client.get("/clients/new").status_code == 403
    assert auth.post("/clients/new", _form(orgs), form_path="/clients/").status_code == 403
    assert db.scalar(select(func.count()).select_from(Client)) == 0


def test_timeline_links_documents_in_date_order(client, auth, users, orgs, db, clients_by_org):
    north = clients_by_org["north"]
    db.add(
        Referral(
            organisation_id=orgs["north"].id,
            client_id=north.id,
            referred_on=REFERRED,
            source="self",
            status="accepted",
        )
    )
    story = CaseStudy(
        organisation_id=orgs["north"].id,
        client_id=north.id,
        title="Back on the bus",
        narrative="Story",
        status="approved",
    )
    said = Feedback(
        organisation_id=orgs["north"].id,
        client_id=north.id,
        source="family_carer",
        channel="email",
        received_on=REFERRED + timedelta(days=30),
        text="Mum is out every Tuesday now.",
    )
    db.add_all([story, said])
    db.commit()
    auth.login("researcher@north.test")
    page = client.get(f"/clients/{north.id}").get_data(as_text=True)
    referral_at = page.index("Referral from Self-referral")
    feedback_at = page.index("Feedback: Family or carer, email")
    story_at = page.index("Case study: Back on the bus")
    assert referral_at < feedback_at < story_at
    assert f'href="/case-studies/{story.id}"' in page
    assert f'href="/feedback/{said.id}"' in page
    assert "Mum is out every Tuesday now." in page
    assert "Record a measure" not in page  # researchers do not record
