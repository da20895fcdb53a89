"""The review pages: roles, the queue with evidence, decisions, missed tags, agreement."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from spstories.core.learning.artifacts import newest_model
from spstories.services.tagging import tag_document
from spstories.storage.models import Feedback, Tag, TagReview

TEXT = "I feel much more confident now. The parking was bad."


@pytest.fixture
def tags(db, orgs):
    feedback = Feedback(organisation_id=orgs["north"].id, source="client", channel="email",
                        received_on=date(2026, 1, 5), text=TEXT)
    db.add(feedback)
    db.flush()
    made = tag_document(db, feedback)
    db.commit()
    return made


@pytest.mark.parametrize("role, status", [("link_worker", 403), ("admin", 403),
                                          ("researcher", 200), ("manager", 200)])
def test_roles(client, auth, users, role, status):
    auth.login(f"{role}@north.test")
    assert client.get("/review/").status_code == status


def test_queue_shows_evidence_and_mode(client, auth, users, tags):
    auth.login("researcher@north.test")
    page = client.get("/review/").get_data(as_text=True)
    assert '<mark class="evidence"' in page and "confident" in page
    assert "rules only" in page
    assert "review.js" in page


def test_accept_from_the_queue(client, auth, users, tags, db):
    auth.login("manager@north.test")
    tag = tags[0]
    response = auth.post(f"/review/tags/{tag.id}", {"decision": "accept"}, form_path="/review/")
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Tag, tag.id).review_state == "accepted"
    assert db.scalars(select(TagReview.decision)).all() == ["accept"]


def test_other_organisations_tags_are_out_of_reach(client, auth, users, tags, db, orgs):
    from spstories.services.accounts import create_user

    create_user(db, email="r@south.test", name="r", role="researcher",
                password="correct horse battery", organisations=[orgs["south"]])
    db.commit()
    auth.login("r@south.test")
    assert "confident" not in client.get("/review/").get_data(as_text=True)
    auth.post(f"/review/tags/{tags[0].id}", {"decision": "reject"}, form_path="/review/")
    db.expire_all()
    assert db.get(Tag, tags[0].id).review_state == "suggested"


def test_add_missed_tag_by_offsets(client, auth, users, tags, db):
    auth.login("researcher@north.test")
    start = TEXT.index("The parking")
    path = f"/review/tags/{tags[0].id}/document"
    assert 'id="doc-text"' in client.get(path).get_data(as_text=True)
    auth.post(f"/review/tags/{tags[0].id}/add",
              {"start": start, "end": len(TEXT), "code": "access", "polarity": "unchanged"},
              form_path=path)
    added = db.scalars(select(Tag).where(Tag.origin == "human")).one()
    assert added.evidence == "The parking was bad."


def test_agreement_page(client, auth, users, tags):
    auth.login("researcher@north.test")
    for tag in tags:
        auth.post(f"/review/tags/{tag.id}", {"decision": "accept"}, form_path="/review/")
    page = client.get("/review/agreement").get_data(as_text=True)
    assert "Cohen" in page and "confidence" in page
    assert 'id="model-trust"' not in page  # the rules tag: no model card to quote


def test_agreement_page_shows_the_shipped_models_per_code_figures(client, auth, users,
                                                                  shipped_models):
    auth.login("researcher@north.test")
    page = client.get("/review/agreement").get_data(as_text=True)
    directory = newest_model(shipped_models, "sp-outcomes")
    trust = json.loads((directory / "manifest.json").read_text())["trust"]
    assert 'id="model-trust"' in page and directory.name in page
    low = [code for code, t in trust.items() if t["low_confidence"]]
    assert low and page.count("<td>low-confidence count</td>") == len(low)
    loneliness = trust["loneliness"]
    assert f"<td>{loneliness['precision']:.2f}</td>" in page


def test_missed_tag_offsets_count_a_line_break_as_the_page_shows_it(client, auth, users, db,
                                                                     orgs):
    # Browsers submit a textarea's line breaks as CR LF; the page's DOM (where the selection
    # is taken) shows each as one LF.
    stored = "I feel much more confident now.\r\n\r\nThe parking was bad.\r\nThanks."
    feedback = Feedback(organisation_id=orgs["north"].id, source="client", channel="email",
                        received_on=date(2026, 1, 5), text=stored)
    db.add(feedback)
    db.flush()
    tag = tag_document(db, feedback)[0]
    db.commit()
    shown = stored.replace("\r\n", "\n")
    start = shown.index("The parking")
    auth.login("researcher@north.test")
    path = f"/review/tags/{tag.id}/document"
    auth.post(f"/review/tags/{tag.id}/add",
              {"start": start, "end": start + len("The parking was bad."), "code": "access",
               "polarity": "unchanged"}, form_path=path)
    added = db.scalars(select(Tag).where(Tag.origin == "human")).one()
    assert added.evidence == "The parking was bad."
    assert stored[added.start_offset:added.end_offset] == added.evidence


def test_pages_say_which_embedding_mode_is_active(client, auth, users, tags):
    auth.login("researcher@north.test")
    for path in ("/review/", "/review/agreement"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="embeddings-mode" data-mode="none"' in page, path
        assert "Sentence embeddings: switched off" in page, path
    page = client.get(f"/review/tags/{tags[0].id}/document").get_data(as_text=True)
    assert 'data-mode="none"' in page and "Code suggestions by meaning need sentence" in page


def test_suggestions_without_embeddings_say_why(client, auth, users, tags):
    auth.login("researcher@north.test")
    response = auth.post("/review/suggest", {"text": "I felt lonely"}, form_path="/review/")
    assert response.status_code == 200
    assert response.json["mode"] == "none" and response.json["suggestions"] == []
    assert "switched off" in response.json["message"]


def test_suggestions_rank_codes_by_meaning(client, auth, users, tags, hashed_backend):
    auth.login("manager@north.test")
    page = client.get(f"/review/tags/{tags[0].id}/document").get_data(as_text=True)
    assert 'data-mode="hashed-words"' in page and "suggest.js" in page
    response = auth.post("/review/suggest", {"text": "I was lonely and isolated at home"},
                         form_path="/review/")
    assert response.json["mode"] == "hashed-words"
    assert response.json["suggestions"][0]["code"] == "loneliness"
    assert response.json["suggestions"][0]["label"] == "Loneliness and isolation"
    too_long = auth.post("/review/suggest", {"text": "x" * 2001}, form_path="/review/")
    assert too_long.status_code == 400 and "2000" in too_long.json["error"]


def test_suggestions_are_for_reviewers_only(client, auth, users, tags):
    auth.login("link_worker@north.test")
    response = auth.post("/review/suggest", {"text": "lonely"}, form_path="/")
    assert response.status_code == 403
