"""What the API sends: pages, filters, narrative text under consent, counts, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from spstories.storage.models import AuditEvent, Client, Consent, Feedback, Tag
from spstories.storage.models.base import utcnow
from spstories.web.api.resources import encode_cursor


def _all_pages(api, path, limit):
    seen, pages, url = [], 0, f"{path}?limit={limit}"
    while url:
        body = api.get(url).get_json()
        seen += [item["id"] for item in body["data"]]
        pages += 1
        nxt = body["links"]["next"]
        url = nxt.split("/api/v1", 1)[1] if nxt else None
        assert body["meta"]["next_cursor"] == (nxt and nxt.split("cursor=")[1])
    return seen, pages


def test_pages_follow_next_links_in_id_order_without_repeats(api, records, db):
    everything = api.get("/tags?limit=200").get_json()["data"]
    assert len(everything) > 4
    ids, pages = _all_pages(api, "/tags", 2)
    assert ids == sorted(ids) == [t["id"] for t in everything]
    assert pages == -(-len(ids) // 2)  # the last page has no next link


def test_a_page_stays_stable_when_records_are_added_meanwhile(api, records, users, orgs, db):
    first = api.get("/clients?limit=1").get_json()
    db.add(Client(organisation_id=orgs["north"].id, reference="N-LATE"))
    db.commit()
    rest, _ = _all_pages(api, "/clients", 1)
    second = api.get(first["links"]["next"].split("/api/v1", 1)[1]).get_json()["data"]
    assert second[0]["id"] == rest[1]
    assert rest[-1] == db.scalars(select(Client.id).where(Client.reference == "N-LATE")).one()


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
    ("cursor=bm9wZQ", "cursor"), ("since=yesterday", "since"), ("client_id=-1", "client_id"),
    ("status=lost", "status"),
])
def test_bad_parameters_are_refused_naming_the_parameter(api, users, query, field):
    response = api.get(f"/referrals?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_parameter"
    assert field in response.get_json()["fields"]


def test_since_returns_only_records_recorded_after_the_moment(api, records, db, orgs):
    moment = utcnow()
    db.execute(update(Feedback).values(created_at=moment - timedelta(days=2)))
    db.execute(update(Feedback).where(Feedback.id == records["north_feedback"])
               .values(created_at=moment + timedelta(seconds=1)))
    db.commit()
    since = (moment - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    found = api.get(f"/feedback?since={since}").get_json()["data"]
    assert [f["id"] for f in found] == [records["north_feedback"]]


def test_filters_by_client_and_cursor_continue_the_filtered_list(api, records):
    client_id = records["north_client"]
    found = api.get(f"/measure-responses?client_id={client_id}&limit=1").get_json()
    assert [m["client_id"] for m in found["data"]] == [client_id]
    more = api.get(f"/measure-responses?client_id={client_id}&limit=1&cursor="
                   f"{found['meta']['next_cursor']}").get_json()["data"]
    assert [m["client_id"] for m in more] == [client_id]
    assert more[0]["id"] > found["data"][0]["id"]
    assert api.get("/clients?reference=N-002").get_json()["data"][0]["id"] == \
        records["north_client_no_consent"]
    assert api.get("/clients?reference=S-001").get_json()["data"] == []  # South's client
    assert api.get(f"/tags?cursor={encode_cursor(10**6)}").get_json()["data"] == []


def test_approved_case_study_text_is_sent_de_identified(api, records):
    data = api.get(f"/case-studies/{records['north_case_study']}").get_json()["data"]
    assert data["text_withheld"] is None
    narrative = data["text"]["narrative"]
    assert "Barraclough" not in narrative and "Edna" not in narrative
    assert "07700" not in narrative and "[PHONE]" in narrative and "[NAME 1]" in narrative
    assert "no longer feels lonely" in narrative
    assert data["activities"][0]["provider"] == "Riverside Walking Group"  # structured: kept


def test_unapproved_and_unconsented_text_is_withheld_with_the_reason(api, records, db):
    submitted = api.get(f"/case-studies/{records['north_submitted']}").get_json()["data"]
    assert submitted["text"] is None and "not approved" in submitted["text_withheld"]
    no_consent = api.get(f"/feedback/{records['north_feedback_no_consent']}").get_json()["data"]
    assert no_consent["text"] is None and "did not consent" in no_consent["text_withheld"]
    no_client = api.get(f"/feedback/{records['north_feedback_no_client']}").get_json()["data"]
    assert no_client["text"] is None and "no consent to check" in no_client["text_withheld"]
    consented = api.get(f"/feedback/{records['north_feedback']}").get_json()["data"]
    assert consented["text"].startswith("[NAME 1] said she no longer feels lonely")


def test_withdrawn_consent_withholds_text_at_once(api, records, db):
    for consent in db.scalars(select(Consent).where(
            Consent.client_id == records["north_client"])):
        consent.withdrawn_at = utcnow()
    db.commit()
    case_study = api.get(f"/case-studies/{records['north_case_study']}").get_json()["data"]
    assert case_study["text"] is None and "withdrawn" in case_study["text_withheld"]
    feedback = api.get(f"/feedback/{records['north_feedback']}").get_json()["data"]
    assert feedback["text"] is None and "withdrew" in feedback["text_withheld"]


def test_tag_evidence_follows_its_documents_rule(api, records, db, north_tag):
    tag = api.get(f"/tags/{north_tag.id}").get_json()["data"]
    assert tag["document"] == {"type": "case_study", "id": records["north_case_study"]}
    assert tag["code"] and tag["polarity"] and tag["origin"] == "rule"
    assert tag["review_state"] == "suggested" and tag["codebook"]["key"] == "sp-outcomes"
    # "Edna" alone is caught because the whole narrative was de-identified around it.
    assert "Edna" not in tag["evidence"] and "[NAME 1]" in tag["evidence"]
    withheld = db.scalars(select(Tag).where(
        Tag.feedback_id == records["north_feedback_no_consent"])).first()
    found = api.get(f"/tags/{withheld.id}").get_json()["data"]
    assert found["evidence"] is None and found["evidence_withheld"]
    listed = api.get(f"/tags?feedback_id={records['north_feedback_no_consent']}").get_json()
    assert listed["data"] and all(t["evidence"] is None for t in listed["data"])


def test_measure_scores_carry_the_snomed_concept_where_mapped(api, records):
    data = api.get(f"/measure-responses/{records['north_measure']}").get_json()["data"]
    scores = {s["scale"]: s for s in data["scores"]}
    assert scores["swemwbs_metric"] == {"scale": "swemwbs_metric", "value": 19.98, "band": None,
                                        "snomed_ct": "718466001"}
    assert scores["swemwbs_raw"]["snomed_ct"] is None
    assert data["answers"]["q7"] == 4 and data["timepoint"] == "baseline"


def test_referrals_send_coded_needs_not_free_text(api, records):
    referral = api.get(f"/referrals/{records['north_referral']}").get_json()["data"]
    assert referral["needs"] == ["loneliness"] and "reasons" not in referral
    declined = api.get("/referrals?status=declined").get_json()["data"]
    assert [r["client_id"] for r in declined] == [records["north_client_no_consent"]]


def test_outcome_counts_suppress_small_numbers(api, records, app):
    data = api.get("/outcome-counts").get_json()["data"]
    loneliness = next(o for o in data["outcomes"]
                      if (o["code"], o["polarity"]) == ("loneliness", "improved"))
    assert loneliness["clients"] == {"value": None, "display": "<5"}
    app.config["SMALL_NUMBER_THRESHOLD"] = 1
    data = api.get("/outcome-counts").get_json()["data"]
    loneliness = next(o for o in data["outcomes"]
                      if (o["code"], o["polarity"]) == ("loneliness", "improved"))
    assert loneliness["clients"] == {"value": 2, "display": "2"}  # N-001 and N-002
    assert data["clients_with_narrative"]["value"] == 2
    grouped = api.get("/outcome-counts?by=age_band").get_json()["data"]
    assert [g["group"] for g in grouped["groups"]] == ["65-74"]


def test_reads_are_audited_with_the_records_whose_text_left(api, records, db):
    api.get("/feedback")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "api.read")
                       .order_by(AuditEvent.id.desc())).first()
    assert event.details["resource"] == "feedback"
    assert event.details["text_ids"] == [records["north_feedback"]]
    assert records["north_feedback_no_consent"] in event.details["ids"]
    assert event.user_id is not None and event.details["token_id"]


def test_errors_are_json_for_unknown_paths_and_methods(api, client):
    missing = api.get("/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = client.delete("/api/v1/clients")
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    huge = api.get(f"/clients/{2**40}")
    assert huge.status_code == 404 and huge.is_json
    assert client.get("/clients/999999").status_code in (302, 404)  # pages unchanged


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+01:00", "2026-02-30T00:00:00Z",
                                   "9999-12-31T23:59:59-01:00"])
def test_moments_outside_the_calendar_are_refused(api, users, since):
    response = api.get(f"/feedback?since={since.replace('+', '%2B')}")
    assert response.status_code == 400 and "since" in response.get_json()["fields"]
