"""Figures for each role's home page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spstories.core.vocabulary import CaseStudyStatus, ReferralStatus
from spstories.storage.models import (
    CaseStudy,
    Client,
    Codebook,
    Feedback,
    MeasureResponse,
    Referral,
    Tag,
    User,
)
from spstories.storage.queries import count_scoped, scoped


@dataclass(frozen=True)
class Overview:
    clients: int
    referrals_by_status: dict[str, int]
    case_studies_by_status: dict[str, int]
    feedback: int
    measure_responses: int
    tags: int
    my_case_studies_by_status: dict[str, int]


def _by_status(session: Session, model: type, user: User, *where: object) -> dict[str, int]:
    stmt = scoped(select(model.status, func.count()), model, user).where(*where)
    return {status: n for status, n in session.execute(stmt.group_by(model.status))}


def overview(session: Session, user: User) -> Overview:
    """Counts of the main records in the user's organisations."""
    referrals = _by_status(session, Referral, user)
    case_studies = _by_status(session, CaseStudy, user)
    mine = _by_status(session, CaseStudy, user, CaseStudy.author_id == user.id)
    return Overview(
        clients=count_scoped(session, Client, user),
        referrals_by_status={s.value: referrals.get(s.value, 0) for s in ReferralStatus},
        case_studies_by_status={s.value: case_studies.get(s.value, 0) for s in CaseStudyStatus},
        feedback=count_scoped(session, Feedback, user),
        measure_responses=count_scoped(session, MeasureResponse, user),
        tags=count_scoped(session, Tag, user),
        my_case_studies_by_status={s.value: mine.get(s.value, 0) for s in CaseStudyStatus},
    )


def codebook_versions(session: Session) -> list[Codebook]:
    return list(session.scalars(select(Codebook).order_by(Codebook.key, Codebook.created_at)))
