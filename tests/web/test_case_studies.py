"""Writing, autosaving, submitting and approving case studies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from spstories.storage.models import AuditEvent, CaseStudy, Client, Consent, Tag

STORY = (
    "Sam was referred by the GP for loneliness.\n\n"
    "Since joining the walking group Sam **no longer feels lonely** and has started "
    "volunteering at the food bank."
)


@pytest.fixture
def north_client(db, orgs):
    client = Client(organisation_id=orgs["north"].id, reference="N-001")
    db.add(client)
    db.commit()
    return client


def _data(orgs, **overrides):
    data = {
        "organisation_id": orgs["north"].id,
        "client_reference": "N-001",
        "title": "Finding a reason to get up",
        "presenting_needs": ["loneliness"],
        "what_matters": "Meeting people",
        "support_given": "Four sessions",
        "activities-0-provider": "Riverside Walking Group",
        "activities-0-activity": "Walks",
        "activities-0-started_on": "2026-05-01",
        "narrative": STORY,
        "outcomes_in_own_words": "Less isolated.",
        "client_quote": "I look forward to Tuesdays now.",
        "consent_level": "anonymised_external",
        "consent_given_on": "2026-05-02",
        "consent_method": "written",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_link_worker_submits_and_it_is_tagged(client, auth, users, orgs, north_client, db):
    auth.login("link_worker@north.test")
    response = auth.post("/case-studies/new", _data(orgs))
    assert response.status_code == 302
    case_study = db.scalars(select(CaseStudy)).one()
    assert case_study.status == "submitted"
    assert case_study.narrative == STORY  # stored exactly as written
    assert case_study.activities[0].provider == "Riverside Walking Group"
    consent = db.scalars(select(Consent).where(Consent.case_study_id == case_study.id)).one()
    assert consent.level == "anonymised_external"
    tags = db.scalars(select(Tag).where(Tag.case_study_id == case_study.id)).all()
    codes = {(t.code.key, t.polarity) for t in tags}
    assert ("loneliness", "improved") in codes
    for tag in tags:
        text = getattr(case_study, tag.field)
        assert text[tag.start_offset : tag.end_offset] == tag.evidence
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<mark class="evidence"' in page
    assert "<strong>no longer feels lonely</strong>" in page


def test_invalid_submission_keeps_input_and_saves_nothing(
    client, auth, users, orgs, north_client, db
):
    auth.login("link_worker@north.test")
    response = auth.post(
        "/case-studies/new",
        _data(orgs, client_reference="NOPE-9", narrative="", consent_given_on=""),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No client with reference &#39;NOPE-9&#39;" in page
    assert "Write the story before submitting." in page
    assert "Enter the date consent was given." in page
    assert 'value="Finding a reason to get up"' in page
    assert db.scalar(select(func.count()).select_from(CaseStudy)) == 0


def test_draft_may_be_incomplete(client, auth, users, orgs, db):
    auth.login("link_worker@north.test")
    response = auth.post(
        "/case-studies/new",
        {
            "organisation_id": orgs["north"].id,
            "narrative": "Half a thought",
            "action": "save",
            "consent_level": "none",
        },
    )
    assert response.status_code == 302
    draft = db.scalars(select(CaseStudy)).one()
    assert draft.status == "draft"
    assert draft.title == "Untitled draft"


def test_autosave_creates_then_updates_one_draft(client, auth, users, orgs, db):
    auth.login("link_worker@north.test")
    first = auth.post(
        "/case-studies/autosave",
        {"organisation_id": orgs["north"].id, "narrative": "First words", "consent_level": "none"},
        form_path="/case-studies/new",
    )
    body = first.get_json()
    assert first.status_code == 200, body
    assert body["saved"] is True
    second = auth.post(
        body["autosave_url"],
        {
            "organisation_id": orgs["north"].id,
            "narrative": "First words, then more",
            "consent_level": "none",
        },
        form_path="/case-studies/new",
    )
    assert second.get_json()["id"] == body["id"]
    assert db.scalars(select(CaseStudy.narrative)).all() == ["First words, then more"]


def test_autosave_needs_csrf(client, auth, users, orgs):
    auth.login("link_worker@north.test")
    response = client.post("/case-studies/autosave", data={"narrative": "x"})
    assert response.status_code == 400


def test_preview_is_sanitised(client, auth, users):
    auth.login("link_worker@north.test")
    response = auth.post(
        "/case-studies/preview",
        {"narrative": "**hi** <script>alert(1)</script> [x](javascript:alert(1))"},
        form_path="/case-studies/new",
    )
    html = response.get_json()["html"]
    assert "<strong>hi</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html


def _submitted(auth, orgs, db):
    auth.login("link_worker@north.test")
    auth.post("/case-studies/new", _data(orgs))
    auth.logout()
    return db.scalars(select(CaseStudy)).one()


def test_manager_approves(client, auth, users, orgs, north_client, db):
    case_study = _submitted(auth, orgs, db)
    auth.login("manager@north.test")
    response = auth.post(
        f"/case-studies/{case_study.id}/review",
        {"decision": "approve"},
        form_path=f"/case-studies/{case_study.id}",
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(CaseStudy, case_study.id).status == "approved"
    assert (
        db.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "case_study.approve"
    )


def test_manager_returns_with_a_comment_and_author_edits_again(
    client, auth, users, orgs, north_client, db
):
    case_study = _submitted(auth, orgs, db)
    auth.login("manager@north.test")
    path = f"/case-studies/{case_study.id}"
    auth.post(f"{path}/review", {"decision": "return", "comment": ""}, form_path=path)
    db.expire_all()
    assert db.get(CaseStudy, case_study.id).status == "submitted"  # a comment is required
    auth.post(
        f"{path}/review", {"decision": "return", "comment": "Add the quote's date"}, form_path=path
    )
    db.expire_all()
    assert db.get(CaseStudy, case_study.id).status == "returned"
    auth.logout()
    auth.login("link_worker@north.test")
    page = client.get(f"{path}/edit").get_data(as_text=True)
    assert "Add the quote&#39;s date" in page


def test_link_worker_cannot_review_and_other_org_cannot_see(
    client, auth, users, orgs, north_client, db
):
    case_study = _submitted(auth, orgs, db)
    auth.login("link_worker@north.test")
    path = f"/case-studies/{case_study.id}"
    assert auth.post(f"{path}/review", {"decision": "approve"}, form_path=path).status_code == 403
    auth.logout()
    auth.login("link_worker@south.test")
    assert client.get(path).status_code == 404
    assert client.get(f"{path}/edit").status_code == 404


def test_submitted_case_study_cannot_be_edited(client, auth, users, orgs, north_client, db):
    case_study = _submitted(auth, orgs, db)
    auth.login("link_worker@north.test")
    response = client.get(f"/case-studies/{case_study.id}/edit")
    assert response.status_code == 302


def test_saves_of_a_new_draft_with_one_key_land_on_one_draft(client, auth, users, orgs, db):
    """The page's timer and its tab-closing beacon both post to the new-draft address."""
    auth.login("link_worker@north.test")
    ids = set()
    for text in ("first", "second", "third"):
        response = auth.post("/case-studies/autosave", {
            "organisation_id": orgs["north"].id, "narrative": text, "consent_level": "none",
            "draft_key": "0f4c2a9e6b1d4e7f8a3b5c6d7e8f9a0b"}, form_path="/case-studies/new")
        ids.add(response.get_json()["id"])
    assert len(ids) == 1
    assert db.scalars(select(CaseStudy.narrative)).all() == ["third"]


def test_referral_source_defaults_from_the_clients_referral(client, auth, users, orgs, db):
    from datetime import date

    from spstories.storage.models import Referral

    person = Client(organisation_id=orgs["north"].id, reference="N-001")
    db.add(person)
    db.flush()
    db.add(Referral(organisation_id=orgs["north"].id, client_id=person.id,
                    referred_on=date(2026, 2, 1), source="vcse"))
    db.commit()
    auth.login("link_worker@north.test")
    auth.post("/case-studies/new", _data(orgs, referral_route="Food bank volunteer noticed"))
    case_study = db.scalars(select(CaseStudy)).one()
    assert case_study.referral_source == "vcse"
    assert case_study.referral_id is not None
    page = client.get(f"/case-studies/{case_study.id}").get_data(as_text=True)
    assert "VCSE organisation: Food bank volunteer noticed" in page
