"""Records for the JSON API: scoped, filtered, in pages of stable order, as plain values.

Every query goes through ``storage.queries.scoped``, so a token reaches only its user's
organisations. Pages are in ascending id order and continue *after* the last id seen, so a
page never repeats or skips a record while others are added. Narrative text is decided
by ``services.sharing`` (consent, then de-identification) before it is put in a record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from spstories.core.measures import concept_for_scale
from spstories.services import audit
from spstories.services.sharing import CASE_STUDY_TEXT, Shared, Sharing, documents_of
from spstories.storage.models import (
    CaseStudy,
    Client,
    Code,
    Feedback,
    MeasureResponse,
    Referral,
    Tag,
    TagReview,
    User,
)
from spstories.storage.queries import get_scoped, scoped

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Query:
    """What a list asks for; ``after`` is the last id of the previous page."""

    organisation_id: int | None = None
    since: datetime | None = None
    client_id: int | None = None
    after: int | None = None
    limit: int = DEFAULT_LIMIT
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_after: int | None  # the cursor for the next page, None on the last


def iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value.isoformat()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _page(session: Session, user: User, model: Any, q: Query, *where: Any,
          since: Any = None, options: Sequence[Any] = ()) -> tuple[list[Any], int | None]:
    stmt: Select[Any] = scoped(select(model), model, user).where(*where).options(*options)
    if q.organisation_id is not None:
        stmt = stmt.where(model.organisation_id == q.organisation_id)
    if q.client_id is not None and hasattr(model, "client_id"):
        stmt = stmt.where(model.client_id == q.client_id)
    if q.since is not None:
        stmt = stmt.where(since if since is not None else model.created_at >= _utc(q.since))
    if q.after is not None:
        stmt = stmt.where(model.id > q.after)
    limit = max(1, min(q.limit, MAX_LIMIT))
    rows = list(session.scalars(stmt.order_by(model.id).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].id if more and rows else None


# --- clients and referrals -------------------------------------------------------------

def client_record(client: Client) -> dict[str, Any]:
    return {
        "id": client.id, "organisation_id": client.organisation_id,
        "reference": client.reference, "age_band": client.age_band, "gender": client.gender,
        "ethnic_group": client.ethnic_group, "area": client.area,
        "imd_decile": client.imd_decile, "created_at": iso(client.created_at),
    }


def referral_record(referral: Referral) -> dict[str, Any]:
    # Free-text reasons stay in spstories; needs are coded and go.
    return {
        "id": referral.id, "organisation_id": referral.organisation_id,
        "client_id": referral.client_id, "referred_on": iso(referral.referred_on),
        "source": referral.source, "service": referral.service,
        "needs": list(referral.needs or []), "status": referral.status,
        "first_contact_on": iso(referral.first_contact_on),
        "closed_on": iso(referral.closed_on), "link_worker_id": referral.link_worker_id,
        "created_at": iso(referral.created_at),
    }


def clients(session: Session, user: User, q: Query) -> Page:
    where = []
    if q.extra.get("reference"):
        where.append(Client.reference == q.extra["reference"])
    rows, after = _page(session, user, Client, q, *where)
    return Page([client_record(c) for c in rows], after)


def referrals(session: Session, user: User, q: Query) -> Page:
    where = [Referral.status == q.extra["status"]] if q.extra.get("status") else []
    rows, after = _page(session, user, Referral, q, *where)
    return Page([referral_record(r) for r in rows], after)


# --- narratives -------------------------------------------------------------------------

def _text_fields(shared: Shared, names: Sequence[str]) -> dict[str, Any]:
    return {
        "text": {n: shared.texts.get(n) for n in names} if shared.texts is not None else None,
        "text_withheld": shared.withheld,
    }


def case_study_record(item: CaseStudy, shared: Shared) -> dict[str, Any]:
    return {
        "id": item.id, "organisation_id": item.organisation_id, "client_id": item.client_id,
        "referral_id": item.referral_id, "status": item.status,
        "referral_source": item.referral_source,
        "presenting_needs": list(item.presenting_needs or []),
        "activities": [
            {"provider": a.provider, "activity": a.activity, "started_on": iso(a.started_on)}
            for a in item.activities
        ],
        "submitted_at": iso(item.submitted_at), "reviewed_at": iso(item.reviewed_at),
        "created_at": iso(item.created_at), "updated_at": iso(item.updated_at),
        **_text_fields(shared, CASE_STUDY_TEXT),
    }


def feedback_record(item: Feedback, shared: Shared) -> dict[str, Any]:
    return {
        "id": item.id, "organisation_id": item.organisation_id, "client_id": item.client_id,
        "source": item.source, "channel": item.channel, "formal": item.formal,
        "received_on": iso(item.received_on), "created_at": iso(item.created_at),
        "text": shared.texts["text"] if shared.texts is not None else None,
        "text_withheld": shared.withheld,
    }


def _sharing(session: Session, user: User, rows: Sequence[Any]) -> Sharing:
    return Sharing(session, user.organisation_ids, [r.client_id for r in rows])


def case_studies(session: Session, user: User, q: Query) -> Page:
    where = [CaseStudy.status == q.extra["status"]] if q.extra.get("status") else []
    since = CaseStudy.updated_at >= _utc(q.since) if q.since else None
    rows, after = _page(session, user, CaseStudy, q, *where, since=since,
                        options=[selectinload(CaseStudy.activities)])
    sharing = _sharing(session, user, rows)
    return Page([case_study_record(c, sharing.case_study(c)) for c in rows], after)


def feedback(session: Session, user: User, q: Query) -> Page:
    where = [Feedback.source == q.extra["source"]] if q.extra.get("source") else []
    rows, after = _page(session, user, Feedback, q, *where)
    sharing = _sharing(session, user, rows)
    return Page([feedback_record(f, sharing.feedback(f)) for f in rows], after)


# --- measures and tags ------------------------------------------------------------------

def measure_record(response: MeasureResponse) -> dict[str, Any]:
    scores = []
    for s in sorted(response.scores, key=lambda s: s.id):
        concept = concept_for_scale(response.instrument, s.scale)
        scores.append({"scale": s.scale, "value": s.value, "band": s.band,
                       "snomed_ct": concept.code if concept else None})
    return {
        "id": response.id, "organisation_id": response.organisation_id,
        "client_id": response.client_id, "instrument": response.instrument,
        "instrument_version": response.instrument_version, "timepoint": response.timepoint,
        "review_number": response.review_number,
        "administered_on": iso(response.administered_on),
        "administration_mode": response.administration_mode, "modified": response.modified,
        "answers": dict(response.answers or {}), "scores": scores,
        "created_at": iso(response.created_at),
    }


def measure_responses(session: Session, user: User, q: Query) -> Page:
    instrument = q.extra.get("instrument")
    where = [MeasureResponse.instrument == instrument] if instrument else []
    rows, after = _page(session, user, MeasureResponse, q, *where,
                        options=[selectinload(MeasureResponse.scores)])
    return Page([measure_record(r) for r in rows], after)


def tag_record(tag: Tag, shared: Shared) -> dict[str, Any]:
    return {
        "id": tag.id, "organisation_id": tag.organisation_id, "client_id": tag.client_id,
        "document": ({"type": "case_study", "id": tag.case_study_id} if tag.case_study_id
                     else {"type": "feedback", "id": tag.feedback_id}),
        "field": tag.field, "code": tag.code.key,
        "codebook": {"key": tag.code.codebook.key, "version": tag.code.codebook.version},
        "polarity": tag.polarity, "origin": tag.origin, "score": tag.score,
        "review_state": tag.review_state, "created_at": iso(tag.created_at),
        "evidence": shared.texts["evidence"] if shared.texts is not None else None,
        "evidence_withheld": shared.withheld,
    }


def tags(session: Session, user: User, q: Query) -> Page:
    where: list[Any] = []
    for name, column in (("case_study_id", Tag.case_study_id), ("feedback_id", Tag.feedback_id),
                         ("polarity", Tag.polarity), ("origin", Tag.origin),
                         ("review_state", Tag.review_state)):
        if q.extra.get(name) is not None:
            where.append(column == q.extra[name])
    if q.extra.get("code"):
        where.append(Tag.code_id.in_(select(Code.id).where(Code.key == q.extra["code"])))
    # A tag counts as changed when it was made or reviewed since.
    since = or_(Tag.created_at >= _utc(q.since), Tag.id.in_(
        select(TagReview.tag_id).where(TagReview.created_at >= _utc(q.since)))) if q.since else None
    rows, after = _page(session, user, Tag, q, *where, since=since,
                        options=[joinedload(Tag.code).joinedload(Code.codebook)])
    sharing = _sharing(session, user, rows)
    documents = documents_of(session, rows)
    return Page([tag_record(t, sharing.tag(t, documents.get(t.id))) for t in rows], after)


# --- one record -------------------------------------------------------------------------

def _one(session: Session, user: User, model: Any, object_id: int,
         record: Callable[[Any], dict[str, Any]]) -> dict[str, Any] | None:
    found = get_scoped(session, model, object_id, user)
    return None if found is None else record(found)


def client(session: Session, user: User, client_id: int) -> dict[str, Any] | None:
    return _one(session, user, Client, client_id, client_record)


def referral(session: Session, user: User, referral_id: int) -> dict[str, Any] | None:
    return _one(session, user, Referral, referral_id, referral_record)


def measure_response(session: Session, user: User, response_id: int) -> dict[str, Any] | None:
    return _one(session, user, MeasureResponse, response_id, measure_record)


def case_study(session: Session, user: User, case_study_id: int) -> dict[str, Any] | None:
    return _one(session, user, CaseStudy, case_study_id,
                lambda c: case_study_record(c, _sharing(session, user, [c]).case_study(c)))


def feedback_item(session: Session, user: User, feedback_id: int) -> dict[str, Any] | None:
    return _one(session, user, Feedback, feedback_id,
                lambda f: feedback_record(f, _sharing(session, user, [f]).feedback(f)))


def tag(session: Session, user: User, tag_id: int) -> dict[str, Any] | None:
    def record(t: Tag) -> dict[str, Any]:
        return tag_record(t, _sharing(session, user, [t]).tag(t, documents_of(session, [t])
                                                              .get(t.id)))

    return _one(session, user, Tag, tag_id, record)


# --- the audit trail --------------------------------------------------------------------

TEXT_KEYS = ("text", "evidence")


def record_read(session: Session, user: User, token_id: int, resource: str,
                items: Sequence[dict[str, Any]], **details: Any) -> None:
    """Audit an API read: what was read and which records' narrative text went out; the
    event names the client when every record read is about one client (as a page does)."""
    with_text = [i["id"] for i in items if any(i.get(k) is not None for k in TEXT_KEYS)]
    clients = {i["id"] if resource == "client" else i.get("client_id") for i in items}
    audit.record(session, "api.read", user=user, token_id=token_id, resource=resource,
                 client_id=clients.pop() if len(clients) == 1 else None,
                 ids=[i["id"] for i in items], text_ids=with_text, **details)
