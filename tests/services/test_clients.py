"""Clients, referrals, measure recording and the timeline, at the service layer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from spstories.services import clients as service
from spstories.services.codebooks import latest_version
from spstories.services.measures import ResponseEntryError, record_response
from spstories.services.timeline import outcome_pairs, timeline
from spstories.storage.models import (
    AuditEvent,
    CaseStudy,
    Client,
    Feedback,
    MeasureResponse,
    Referral,
    Tag,
)

REFERRED = date.today() - timedelta(days=300)
# SWEMWBS answers with raw sums 22 and 26 (metric 19.98 and 23.21 in the spec's table).
RAW_22 = {"q1": 3, "q2": 3, "q3": 3, "q4": 3, "q5": 3, "q6": 3, "q7": 4}
RAW_26 = {"q1": 4, "q2": 4, "q3": 4, "q4": 4, "q5": 4, "q6": 3, "q7": 3}


def _client_input(orgs, **overrides):
    values = {"organisation_id": orgs["north"].id, "reference": "N-001", "age_band": "35-44",
              "gender": "female", "ethnic_group": "white", "area": " m14 ", "imd_decile": 3}
    values.update(overrides)
    return service.ClientInput(**values)


def _day(days):
    return REFERRED + timedelta(days=days)


def _referral_input(**overrides):
    values = {"referred_on": REFERRED, "source": "gp", "status": "accepted",
              "service": "Link workers", "needs": ["wellbeing", "loneliness"],
              "first_contact_on": REFERRED + timedelta(days=3)}
    values.update(overrides)
    return service.ReferralInput(**values)


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def north_client(db, orgs, users):
    client = service.create_client(db, users["link_worker"], _client_input(orgs),
                                   _referral_input())
    db.commit()
    return client


def test_create_client_with_referral(db, users, north_client):
    stored = db.get(Client, north_client.id)
    assert stored.area == "M14"
    assert stored.imd_decile == 3
    referral = db.scalars(select(Referral)).one()
    assert referral.client_id == stored.id
    assert referral.link_worker_id == users["link_worker"].id
    assert referral.needs == ["loneliness", "wellbeing"]  # vocabulary order
    actions = set(db.scalars(select(AuditEvent.action)))
    assert "client.create" in actions


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"reference": ""}, "reference", "Enter the client's reference"),
    ({"reference": "Jane Smith"}, "reference", "never the client's name"),
    ({"area": "M14 5AB"}, "area", "never the full postcode"),
    ({"area": "14M"}, "area", "postcode district such as M14"),
    ({"imd_decile": 11}, "imd_decile", "from 1 (most deprived) to 10"),
    ({"imd_decile": 0}, "imd_decile", "from 1 (most deprived) to 10"),
    ({"gender": "robot"}, "gender", "Choose one of the options"),
])
def test_invalid_client_is_refused_and_nothing_saved(db, orgs, users, overrides, field, words):
    with pytest.raises(service.ClientError) as caught:
        service.create_client(db, users["link_worker"], _client_input(orgs, **overrides),
                              _referral_input())
    assert words in caught.value.errors[field]
    assert _count(db, Client) == 0
    assert _count(db, Referral) == 0


@pytest.mark.parametrize(("overrides", "field"), [
    ({"referred_on": None}, "referred_on"),
    ({"referred_on": date.today() + timedelta(days=1), "first_contact_on": None},
     "referred_on"),
    ({"source": "nobody"}, "source"),
    ({"needs": ["wellbeing", "flying"]}, "needs"),
    ({"first_contact_on": REFERRED - timedelta(days=1)}, "first_contact_on"),
])
def test_invalid_referral_refuses_the_client_too(db, orgs, users, overrides, field):
    with pytest.raises(service.ClientError) as caught:
        service.create_client(db, users["link_worker"], _client_input(orgs),
                              _referral_input(**overrides))
    assert set(caught.value.errors) == {field}
    assert _count(db, Client) == 0


def test_reference_is_unique_per_organisation_only(db, orgs, users, north_client):
    with pytest.raises(service.ClientError) as caught:
        service.create_client(db, users["manager"], _client_input(orgs, reference="n-001"))
    assert "already a client with reference 'n-001'" in caught.value.errors["reference"]
    south = service.create_client(db, users["south_link_worker"],
                                  _client_input(orgs, organisation_id=orgs["south"].id))
    assert south.reference == "N-001"


def test_cannot_create_in_another_organisation(db, orgs, users):
    with pytest.raises(service.ClientError) as caught:
        service.create_client(db, users["link_worker"],
                              _client_input(orgs, organisation_id=orgs["south"].id))
    assert "organisation_id" in caught.value.errors


def test_add_referral_is_scoped(db, users, north_client):
    referral = service.add_referral(db, users["manager"], north_client,
                                    _referral_input(referred_on=_day(55),
                                                                   first_contact_on=None))
    assert referral.link_worker_id is None  # a manager records, not a link worker
    with pytest.raises(service.ClientError):
        service.add_referral(db, users["south_link_worker"], north_client, _referral_input())


def test_list_clients_is_scoped_and_searchable(db, orgs, users, north_client):
    for reference in ("N-002", "X0_5"):
        service.create_client(db, users["link_worker"], _client_input(orgs, reference=reference))
    service.create_client(db, users["south_link_worker"],
                          _client_input(orgs, organisation_id=orgs["south"].id, reference="S-1"))
    seen = [c.reference for c in service.list_clients(db, users["researcher"])]
    assert seen == ["N-001", "N-002", "X0_5"]
    assert [c.reference for c in service.list_clients(db, users["link_worker"], "n-00")] == [
        "N-001", "N-002"]
    # _ is a literal character, not a wildcard that would also match "N-001"
    assert [c.reference for c in service.list_clients(db, users["link_worker"], "0_")] == [
        "X0_5"]
    assert service.list_clients(db, users["link_worker"], "S-1") == []


def _record(db, client, user, answers, timepoint, on, **kwargs):
    return record_response(db, client, instrument_id=kwargs.pop("instrument", "swemwbs"),
                           answers=answers, timepoint=timepoint, administered_on=on,
                           actor=user, **kwargs)


def test_record_response_collects_every_problem_and_stores_nothing(db, users, north_client):
    answers = {**RAW_22, "q2": 9, "q5": None}
    with pytest.raises(ResponseEntryError) as caught:
        _record(db, north_client, users["link_worker"], answers, "review",
                date.today() + timedelta(days=1), modified=True, modification_note=" ",
                administration_mode="carrier pigeon")
    error = caught.value
    assert {item for item, _ in error.item_problems} == {"q2", "q5"}
    assert "Item 2: 9 is out of range; answer a whole number from 1 to 5" in str(error)
    assert "Item 5 is missing" in str(error)
    assert set(error.fields) == {"review_number", "administered_on", "administration_mode",
                                 "modification_note"}
    assert _count(db, MeasureResponse) == 0


def test_review_is_stored_with_its_number(db, users, north_client):
    response = _record(db, north_client, users["link_worker"], RAW_22, "review", REFERRED,
                       review_number=2, administration_mode="phone")
    assert (response.timepoint, response.review_number) == ("review", 2)
    assert response.administered_by_id == users["link_worker"].id
    with pytest.raises(Exception, match="another organisation"):
        _record(db, north_client, users["south_link_worker"], RAW_22, "baseline", REFERRED)


def _tag(db, document, code_key, polarity):
    code = next(c for c in latest_version(db, "sp-outcomes").codes if c.key == code_key)
    kind = "case_study_id" if isinstance(document, CaseStudy) else "feedback_id"
    db.add(Tag(organisation_id=document.organisation_id, client_id=document.client_id,
               code_id=code.id, polarity=polarity, start_offset=0, end_offset=4,
               evidence="text", origin="rule", **{kind: document.id}))


def test_timeline_merges_everything_in_date_order(db, orgs, users, north_client):
    worker = users["link_worker"]
    _record(db, north_client, worker, RAW_22, "baseline", _day(5))
    _record(db, north_client, worker, RAW_26, "exit", _day(95))
    _record(db, north_client, worker, {"life_satisfaction": 3, "worthwhile": 6,
                                       "happiness": 9, "anxiety": 7},
            "baseline", _day(5), instrument="ons4")
    _record(db, north_client, worker, RAW_26, "review", _day(46), review_number=1,
            modified=True, modification_note="Read aloud with a 0-10 scale")
    case_study = CaseStudy(organisation_id=orgs["north"].id, client_id=north_client.id,
                           author_id=worker.id, title="Finding a reason", narrative="Story")
    feedback = Feedback(organisation_id=orgs["north"].id, client_id=north_client.id,
                        source="client", channel="survey", received_on=_day(55),
                        text="I feel less lonely")
    # A row of another organisation pointing at this client must never show.
    stray = Feedback(organisation_id=orgs["south"].id, client_id=north_client.id,
                     source="client", channel="survey", received_on=_day(56),
                     text="not yours")
    db.add_all([case_study, feedback, stray])
    db.flush()
    for _ in range(2):
        _tag(db, case_study, "loneliness", "improved")
    _tag(db, case_study, "wellbeing", "worsened")
    _tag(db, feedback, "loneliness", "improved")
    db.commit()

    entries = timeline(db, users["researcher"], north_client)
    assert [e.kind for e in entries] == [
        "referral", "measure", "measure", "measure", "feedback", "measure", "case_study"]
    assert [e.on for e in entries] == sorted(e.on for e in entries)
    assert stray.id not in {e.record.id for e in entries if e.kind == "feedback"}

    exit_entry = next(e for e in entries if e.title == "SWEMWBS: exit")
    metric = next(s for s in exit_entry.scores if s.scale == "swemwbs_metric")
    assert (metric.value_text, metric.baseline_text, metric.change_text) == (
        "23.21", "19.98", "+3.23")
    assert metric.classification == "improved"
    raw = next(s for s in exit_entry.scores if s.scale == "swemwbs_raw")
    assert (raw.change_text, raw.classification) == ("+4", None)  # no threshold on raw

    modified = next(e for e in entries if e.title == "SWEMWBS: review 1")
    assert all(s.change is None for s in modified.scores)
    assert any("Not compared with the baseline" in note for note in modified.notes)

    ons4 = next(e for e in entries if e.title == "ONS4: baseline")
    assert {s.scale: s.band for s in ons4.scores} == {
        "life_satisfaction": "low", "worthwhile": "medium", "happiness": "very high",
        "anxiety": "high"}

    story = next(e for e in entries if e.kind == "case_study")
    assert [(t.code, t.polarity, t.count) for t in story.tags] == [
        ("loneliness", "improved", 2), ("wellbeing", "worsened", 1)]
    said = next(e for e in entries if e.kind == "feedback")
    assert [(t.code, t.count) for t in said.tags] == [("loneliness", 1)]

    pairs = {p.instrument: p for p in outcome_pairs(db, users["researcher"], north_client)}
    swemwbs = pairs["SWEMWBS"]
    assert (swemwbs.baseline, swemwbs.follow_up, swemwbs.change) == ("19.98", "23.21", "+3.23")
    assert swemwbs.classification == "improved"
    assert swemwbs.excluded_modified == 1
    assert pairs["ONS4"].reason == "no follow-up after the baseline"


def test_timeline_shows_only_what_the_user_may_see(db, users, north_client):
    _record(db, north_client, users["link_worker"], RAW_22, "baseline", _day(5))
    db.commit()
    assert timeline(db, users["south_link_worker"], north_client) == []


def test_a_follow_up_without_baseline_is_reported_not_hidden(db, users, north_client):
    who5 = {"q1": 3, "q2": 3, "q3": 3, "q4": 3, "q5": 3}
    _record(db, north_client, users["link_worker"], who5, "exit", _day(90), instrument="who5")
    [pair] = outcome_pairs(db, users["link_worker"], north_client)
    assert (pair.instrument, pair.reason, pair.baseline, pair.change) == (
        "WHO-5", "no baseline", "", "")
    [entry] = [e for e in timeline(db, users["link_worker"], north_client) if e.kind == "measure"]
    assert {s.scale: s.value_text for s in entry.scores} == {"who5_raw": "15",
                                                             "who5_percent": "60"}
    assert all(s.change is None for s in entry.scores)
