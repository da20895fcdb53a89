"""Recording feedback quickly, one item or many pasted at once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from spstories.storage.models import Client, Feedback, Tag


def _base(orgs, **overrides):
    data = {
        "organisation_id": orgs["north"].id,
        "source": "client",
        "channel": "follow_up_call",
        "received_on": date.today().isoformat(),
        "text": "I am not lonely any more since I joined the lunch club.",
    }
    data.update(overrides)
    return data


def test_common_case_is_one_field_and_a_button(client, auth, users, orgs, db):
    auth.login("link_worker@north.test")
    response = auth.post("/feedback/new", _base(orgs))
    assert response.status_code == 302
    item = db.scalars(select(Feedback)).one()
    assert item.source == "client"
    assert item.received_on == date.today()
    tags = db.scalars(select(Tag).where(Tag.feedback_id == item.id)).all()
    assert ("loneliness", "improved") in {(t.code.key, t.polarity) for t in tags}


def test_form_defaults_make_the_common_case_fast(client, auth, users):
    auth.login("link_worker@north.test")
    page = client.get("/feedback/new").get_data(as_text=True)
    assert (
        'value="client" checked' in page
        or 'checked id="source-0"' in page
        or ('id="source-0"' in page and "checked" in page)
    )
    assert f'value="{date.today().isoformat()}"' in page


def test_feedback_links_to_a_client(client, auth, users, orgs, db):
    db.add(Client(organisation_id=orgs["north"].id, reference="N-7"))
    db.commit()
    auth.login("link_worker@north.test")
    auth.post("/feedback/new", _base(orgs, client_reference="N-7"))
    assert db.scalars(select(Feedback)).one().client_id is not None


def test_invalid_feedback_shows_errors_and_saves_nothing(client, auth, users, orgs, db):
    auth.login("link_worker@north.test")
    future = (date.today() + timedelta(days=3)).isoformat()
    response = auth.post(
        "/feedback/new", _base(orgs, text="  ", received_on=future, client_reference="GHOST")
    )
    page = response.get_data(as_text=True)
    assert "Enter the feedback." in page
    assert "The date cannot be in the future." in page
    assert "No client with reference" in page
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0


def test_bulk_paste_saves_each_item(client, auth, users, orgs, db):
    auth.login("manager@north.test")
    text = "Great service.\n\nI have made new friends at the group.\n\n\nThanks for the calls."
    response = auth.post("/feedback/paste", _base(orgs, text=text, channel="survey"))
    assert response.status_code == 302
    assert db.scalars(select(Feedback.text).order_by(Feedback.id)).all() == [
        "Great service.",
        "I have made new friends at the group.",
        "Thanks for the calls.",
    ]


def test_bulk_paste_is_all_or_nothing(client, auth, users, orgs, db):
    auth.login("manager@north.test")
    text = "One.\n\n" + "x" * 20_001
    response = auth.post("/feedback/paste", _base(orgs, text=text))
    assert "Item 2:" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0


def test_researcher_can_read_but_not_record(client, auth, users):
    auth.login("researcher@north.test")
    assert client.get("/feedback/").status_code == 200
    assert client.get("/feedback/new").status_code == 403
