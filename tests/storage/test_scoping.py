"""Every read of client data is limited to the user's organisations."""

from __future__ import annotations

from spstories.services.overview import overview
from spstories.storage.models import Client
from spstories.storage.queries import count_scoped, get_scoped


def _clients(db, orgs):
    north = Client(organisation_id=orgs["north"].id, reference="N-1")
    south = Client(organisation_id=orgs["south"].id, reference="S-1")
    db.add_all([north, south, Client(organisation_id=orgs["south"].id, reference="S-2")])
    db.commit()
    return north, south


def test_get_scoped_hides_other_organisations(db, orgs, users):
    north, south = _clients(db, orgs)
    worker = users["link_worker"]
    assert get_scoped(db, Client, north.id, worker) is north
    assert get_scoped(db, Client, south.id, worker) is None


def test_counts_and_home_figures_are_scoped(db, orgs, users):
    _clients(db, orgs)
    assert count_scoped(db, Client, users["manager"]) == 1
    assert count_scoped(db, Client, users["south_link_worker"]) == 2
    assert overview(db, users["manager"]).clients == 1


def test_member_of_two_organisations_sees_both(db, orgs, users):
    _clients(db, orgs)
    researcher = users["researcher"]
    researcher.organisations.append(orgs["south"])
    db.commit()
    assert count_scoped(db, Client, researcher) == 3


def test_home_page_counts_only_own_organisation(client, auth, db, orgs, users):
    _clients(db, orgs)
    auth.login("manager@north.test")
    page = client.get("/").get_data(as_text=True)
    assert "<dt>Clients</dt><dd>1</dd>" in page
