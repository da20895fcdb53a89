"""Read operations: the user, organisations, records in pages, outcome counts."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from flask import current_app, jsonify, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from spstories.core.tags import Polarity
from spstories.core.vocabulary import (
    CaseStudyStatus,
    FeedbackSource,
    ReferralSource,
    ReferralStatus,
    ReviewState,
    TagOrigin,
)
from spstories.services import api_records as records
from spstories.services import dashboard
from spstories.services.outcome_counts import outcome_counts
from spstories.storage.dashboard_queries import BREAKDOWNS
from spstories.storage.models import User
from spstories.web.api.auth import current_token, current_user
from spstories.web.api.errors import ApiError
from spstories.web.api.registry import MAX_ID, Param, operation
from spstories.web.db import get_db


def _enum(values: Any) -> tuple[str, ...]:
    return tuple(v.value for v in values)


LIMIT = Param("limit", "integer", f"Records per page (at most {records.MAX_LIMIT}).",
              minimum=1, maximum=records.MAX_LIMIT, default=records.DEFAULT_LIMIT)
CURSOR = Param("cursor", "string", "From `meta.next_cursor` of the previous page.",
               max_length=40)
ORGANISATION = Param("organisation_id", "integer", "Only this one of your organisations.",
                     minimum=1, maximum=MAX_ID)
SINCE = Param("since", "date-time", "Only records recorded at or after this moment.")
CLIENT = Param("client_id", "integer", "Only this client's records.", minimum=1, maximum=MAX_ID)
PAGED = (LIMIT, CURSOR, ORGANISATION, SINCE)


def encode_cursor(after: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        kind, _, value = text.partition(":")
        after = int(value)
        if kind != "after" or not 0 <= after <= MAX_ID:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_parameter", "cursor: not a cursor this API gave",
                       fields={"cursor": "not a cursor this API gave"}) from None
    return after


def _query(query: dict[str, Any], *extra: str) -> records.Query:
    return records.Query(
        organisation_id=query.get("organisation_id"), since=query.get("since"),
        client_id=query.get("client_id"), after=decode_cursor(query.get("cursor")),
        limit=query.get("limit") or records.DEFAULT_LIMIT,
        extra={name: query.get(name) for name in extra},
    )


def _list(resource: str, fetch: Callable[[Session, User, records.Query], records.Page],
          query: dict[str, Any], *extra: str) -> Response:
    db = get_db()
    q = _query(query, *extra)
    page = fetch(db, current_user(), q)
    records.record_read(db, current_user(), current_token().id, resource, page.items,
                        filters={k: str(v) for k, v in query.items()
                                 if v is not None and k not in ("limit", "cursor")})
    db.commit()
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    cursor = encode_cursor(page.next_after) if page.next_after is not None else None
    return jsonify(
        data=page.items,
        links={"self": request.url,
               "next": url_for(request.endpoint or "", _external=True, **args, cursor=cursor)
               if cursor else None},
        meta={"limit": q.limit, "next_cursor": cursor},
    )


def _one(resource: str, found: dict[str, Any] | None) -> Response:
    if found is None:
        raise ApiError(404, "not_found", f"There is no such {resource.replace('_', ' ')} in "
                       "your organisations.")
    db = get_db()
    records.record_read(db, current_user(), current_token().id, resource, [found])
    db.commit()
    return jsonify(data=found)


@operation("GET", "/me", "me", summary="The token's user, role, organisations and token",
           tag="Account", response="Me")
def me(query: dict[str, Any]) -> Response:
    user, token = current_user(), current_token()
    return jsonify(data={
        "id": user.id, "name": user.name, "email": user.email, "role": user.role,
        "organisations": [{"id": o.id, "name": o.name, "slug": o.slug}
                          for o in user.organisations],
        "token": {"id": token.id, "name": token.name, "prefix": token.prefix,
                  "can_write": token.can_write,
                  "expires_at": records.iso(token.expires_at)},
    })


@operation("GET", "/organisations", "organisations", summary="Your organisations",
           tag="Account", response="Organisation", paginated=True)
def organisations(query: dict[str, Any]) -> Response:
    items = [{"id": o.id, "name": o.name, "slug": o.slug} for o in current_user().organisations]
    return jsonify(data=items, links={"self": request.url, "next": None},
                   meta={"limit": len(items), "next_cursor": None})


@operation("GET", "/clients", "list_clients", summary="Clients (pseudonymous)", tag="Clients",
           response="Client", paginated=True,
           params=(*PAGED, Param("reference", "string", "Only the client with this reference.",
                                 max_length=64)))
def list_clients(query: dict[str, Any]) -> Response:
    return _list("client", records.clients, query, "reference")


@operation("GET", "/clients/{client_id}", "get_client", summary="One client", tag="Clients",
           response="Client")
def get_client(query: dict[str, Any], client_id: int) -> Response:
    return _one("client", records.client(get_db(), current_user(), client_id))


@operation("GET", "/referrals", "list_referrals", summary="Referrals", tag="Clients",
           response="Referral", paginated=True,
           params=(*PAGED, CLIENT, Param("status", "string", "Only referrals in this state.",
                                         enum=_enum(ReferralStatus))),
           description="Free-text referral reasons are not sent; needs are, coded.")
def list_referrals(query: dict[str, Any]) -> Response:
    return _list("referral", records.referrals, query, "status")


@operation("GET", "/referrals/{referral_id}", "get_referral", summary="One referral",
           tag="Clients", response="Referral")
def get_referral(query: dict[str, Any], referral_id: int) -> Response:
    return _one("referral", records.referral(get_db(), current_user(), referral_id))


@operation("GET", "/case-studies", "list_case_studies", summary="Case studies",
           tag="Narratives", response="CaseStudy", paginated=True,
           params=(*PAGED, CLIENT, Param("status", "string", "Only case studies in this state.",
                                         enum=_enum(CaseStudyStatus))),
           description="`since` matches case studies changed at or after the moment. Text "
                       "only for approved case studies whose consent allows it, de-identified.")
def list_case_studies(query: dict[str, Any]) -> Response:
    return _list("case_study", records.case_studies, query, "status")


@operation("GET", "/case-studies/{case_study_id}", "get_case_study", summary="One case study",
           tag="Narratives", response="CaseStudy")
def get_case_study(query: dict[str, Any], case_study_id: int) -> Response:
    return _one("case_study", records.case_study(get_db(), current_user(), case_study_id))


@operation("GET", "/feedback", "list_feedback", summary="Feedback", tag="Narratives",
           response="Feedback", paginated=True,
           params=(*PAGED, CLIENT, Param("source", "string", "Only feedback from this source.",
                                         enum=_enum(FeedbackSource))))
def list_feedback(query: dict[str, Any]) -> Response:
    return _list("feedback", records.feedback, query, "source")


@operation("GET", "/feedback/{feedback_id}", "get_feedback", summary="One item of feedback",
           tag="Narratives", response="Feedback")
def get_feedback(query: dict[str, Any], feedback_id: int) -> Response:
    return _one("feedback", records.feedback_item(get_db(), current_user(), feedback_id))


@operation("GET", "/measure-responses", "list_measure_responses",
           summary="Outcome measure responses with their scores", tag="Measures",
           response="MeasureResponse", paginated=True,
           params=(*PAGED, CLIENT, Param("instrument", "string", "Only this instrument "
                                         "(swemwbs, ons4, ...).", max_length=40)))
def list_measure_responses(query: dict[str, Any]) -> Response:
    return _list("measure_response", records.measure_responses, query, "instrument")


@operation("GET", "/measure-responses/{response_id}", "get_measure_response",
           summary="One measure response", tag="Measures", response="MeasureResponse")
def get_measure_response(query: dict[str, Any], response_id: int) -> Response:
    return _one("measure_response",
                records.measure_response(get_db(), current_user(), response_id))


@operation("GET", "/tags", "list_tags", summary="Tags: codes on narratives with evidence",
           tag="Tags", response="Tag", paginated=True,
           params=(*PAGED, CLIENT,
                   Param("case_study_id", "integer", "Only this case study's tags.", minimum=1,
                         maximum=MAX_ID),
                   Param("feedback_id", "integer", "Only this feedback's tags.", minimum=1,
                         maximum=MAX_ID),
                   Param("code", "string", "Only this code (e.g. loneliness).", max_length=80),
                   Param("polarity", "string", "Only this polarity.", enum=_enum(Polarity)),
                   Param("origin", "string", "Only tags made this way.", enum=_enum(TagOrigin)),
                   Param("review_state", "string", "Only tags in this review state.",
                         enum=_enum(ReviewState))),
           description="`since` matches tags made or reviewed at or after the moment. Machine "
                       "tags are replaced when narratives are re-tagged: re-read a document's "
                       "tags with `case_study_id` or `feedback_id`.")
def list_tags(query: dict[str, Any]) -> Response:
    return _list("tag", records.tags, query, "case_study_id", "feedback_id", "code", "polarity",
                 "origin", "review_state")


@operation("GET", "/tags/{tag_id}", "get_tag", summary="One tag", tag="Tags", response="Tag")
def get_tag(query: dict[str, Any], tag_id: int) -> Response:
    return _one("tag", records.tag(get_db(), current_user(), tag_id))


@operation("GET", "/outcome-counts", "outcome_counts",
           summary="Outcome counts: clients whose stories show each outcome",
           tag="Dashboard", response="OutcomeCounts",
           params=(Param("start", "date", "Referred on or after."),
                   Param("end", "date", "Referred on or before."), ORGANISATION,
                   Param("source", "string", "Only clients referred from this source.",
                         enum=_enum(ReferralSource)),
                   Param("confirmed_only", "boolean", "Count only tags a person made or "
                         "accepted.", default=False),
                   Param("by", "string", "Break the counts down.", enum=tuple(BREAKDOWNS))),
           description="The dashboard's counts, with its small-number suppression: a count "
                       "below the threshold is null, shown as '<5'.")
def outcome_counts_view(query: dict[str, Any]) -> Response:
    if query["start"] and query["end"] and query["start"] > query["end"]:
        raise ApiError(400, "invalid_parameter", "start: after end",
                       fields={"start": "after end"})
    filters = dashboard.Filters(start=query["start"], end=query["end"],
                                organisation_id=query["organisation_id"],
                                source=query["source"], by=query["by"],
                                confirmed_only=bool(query["confirmed_only"]))
    threshold = int(current_app.config["SMALL_NUMBER_THRESHOLD"])
    db = get_db()
    found = outcome_counts(db, current_user(), filters, threshold)
    records.record_read(db, current_user(), current_token().id, "outcome_counts", [],
                        filters={k: str(v) for k, v in query.items() if v is not None})
    db.commit()
    return jsonify(data=found)
