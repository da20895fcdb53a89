"""The evidence library: quotes (tag evidence sentences) to search, with consent, and stars.

Every quote is shown, but only those whose consent allows the report's audience can be
starred or used; the others carry the reason they are locked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from spstories.core.reports.consent import ConsentRecord, Permission, permission
from spstories.core.vocabulary import CaseStudyStatus, ConsentLevel
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.storage.dashboard_tags import outcome_code_map
from spstories.storage.models import (
    CaseStudy,
    Client,
    Consent,
    Feedback,
    Organisation,
    StarredQuote,
    Tag,
    User,
)

SEARCH_LIMIT = 200


class EvidenceError(SpstoriesError):
    """A quote that cannot be starred (locked, or not the user's to see)."""


@dataclass(frozen=True)
class Search:
    code: str | None = None
    polarity: str | None = None
    start: date | None = None
    end: date | None = None
    organisation_id: int | None = None
    text: str | None = None
    audience: ConsentLevel = ConsentLevel.ANONYMISED_EXTERNAL
    starred_only: bool = False


@dataclass(frozen=True)
class Item:
    tag_id: int
    code: str
    polarity: str
    evidence: str
    client_reference: str
    organisation: str
    organisation_id: int
    case_study_id: int | None
    feedback_id: int | None
    recorded_on: date | None
    permission: Permission
    starred: bool

    @property
    def source(self) -> str:
        return "Case study" if self.case_study_id else "Feedback"


def consent_records(session: Session, client_ids: Iterable[int]) -> dict[int, list[ConsentRecord]]:
    """client id -> their consent records (client-level and per case study)."""
    out: dict[int, list[ConsentRecord]] = defaultdict(list)
    ids = sorted(set(client_ids))
    if not ids:
        return out
    for c in session.scalars(select(Consent).where(Consent.client_id.in_(ids))):
        out[c.client_id].append(ConsentRecord(c.id, c.level, c.given_on, c.case_study_id,
                                              c.withdrawn_at is not None))
    return out


def permission_for(records: Sequence[ConsentRecord], audience: ConsentLevel,
                case_study_status: str | None, case_study_id: int | None) -> Permission:
    if case_study_id is not None and case_study_status != CaseStudyStatus.APPROVED.value:
        return Permission(False, "The case study is not approved yet.")
    return permission(records, audience, case_study_id)


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def _conditions(user: User, s: Search, code_ids: list[int]) -> list[Any]:
    orgs = [o for o in user.organisation_ids if s.organisation_id in (None, o)]
    conds: list[Any] = [
        Tag.organisation_id.in_(orgs), Tag.review_state != "rejected",
        Tag.polarity.is_not(None), Tag.code_id.in_(code_ids), Tag.client_id.is_not(None),
        or_(Tag.feedback_id.is_not(None), CaseStudy.status != CaseStudyStatus.DRAFT.value),
    ]
    if s.polarity:
        conds.append(Tag.polarity == s.polarity)
    if s.text:
        conds.append(Tag.evidence.ilike(f"%{s.text.strip()}%"))
    # A quote's date is the feedback's date or the case study's last change.
    if s.start:
        conds.append(or_(Feedback.received_on >= s.start,
                         and_(Tag.case_study_id.is_not(None),
                              CaseStudy.updated_at >= _day_start(s.start))))
    if s.end:
        conds.append(or_(Feedback.received_on <= s.end,
                         and_(Tag.case_study_id.is_not(None),
                              CaseStudy.updated_at < _day_start(s.end + timedelta(days=1)))))
    return conds


def search(session: Session, user: User, s: Search, *, tag_ids: Sequence[int] | None = None,
           limit: int = SEARCH_LIMIT) -> list[Item]:
    """Quotes matching the search in the user's organisations, each with its permission."""
    code_map = outcome_code_map(session)
    ids = [i for i, key in code_map.items() if s.code in (None, key)]
    stmt = (
        select(Tag, Client.reference, Organisation.name, CaseStudy.status, CaseStudy.updated_at,
               Feedback.received_on)
        .join(Client, Client.id == Tag.client_id)
        .join(Organisation, Organisation.id == Tag.organisation_id)
        .outerjoin(CaseStudy, CaseStudy.id == Tag.case_study_id)
        .outerjoin(Feedback, Feedback.id == Tag.feedback_id)
        .where(*_conditions(user, s, ids))
        .order_by(Tag.id.desc())
        .limit(limit)
    )
    if tag_ids is not None:
        stmt = stmt.where(Tag.id.in_(list(tag_ids)))
    starred = set(session.scalars(select(StarredQuote.tag_id)
                                  .where(StarredQuote.user_id == user.id)))
    if s.starred_only:
        stmt = stmt.where(Tag.id.in_(starred))
    rows = session.execute(stmt).all()
    consents = consent_records(session, (row[0].client_id for row in rows))
    return [
        Item(
            tag_id=tag.id, code=code_map[tag.code_id], polarity=tag.polarity,
            evidence=tag.evidence, client_reference=ref, organisation=org_name,
            organisation_id=tag.organisation_id, case_study_id=tag.case_study_id,
            feedback_id=tag.feedback_id,
            recorded_on=received or (updated.date() if updated else None),
            permission=permission_for(consents[tag.client_id], s.audience, cs_status,
                                   tag.case_study_id),
            starred=tag.id in starred,
        )
        for tag, ref, org_name, cs_status, updated, received in rows
    ]


def star(session: Session, user: User, tag_id: int, audience: ConsentLevel) -> StarredQuote:
    """Star a quote for reports; refused when it is locked for ``audience``."""
    found = search(session, user, Search(audience=audience), tag_ids=[tag_id], limit=1)
    if not found:
        raise EvidenceError("There is no such quote in your organisations.")
    item = found[0]
    if not item.permission.allowed:
        raise EvidenceError(f"This quote is locked: {item.permission.reason}")
    existing = session.scalars(select(StarredQuote).where(
        StarredQuote.user_id == user.id, StarredQuote.tag_id == tag_id)).first()
    if existing:
        return existing
    starred = StarredQuote(organisation_id=item.organisation_id, tag_id=tag_id, user_id=user.id)
    session.add(starred)
    session.flush()
    audit.record(session, "evidence.star", user=user, obj=starred, tag_id=tag_id,
                 consent_basis=item.permission.basis)
    return starred


def unstar(session: Session, user: User, tag_id: int) -> None:
    for starred in session.scalars(select(StarredQuote).where(
            StarredQuote.user_id == user.id, StarredQuote.tag_id == tag_id)):
        audit.record(session, "evidence.unstar", user=user, obj=starred, tag_id=tag_id)
        session.delete(starred)
