"""SQL aggregation for the dashboard: GROUP BY in the database, small results out.

Every query starts from a ``Cohort``: the clients of the user's organisations that match the
filters (referred in the period, by that service, link worker or source). Queries return at
most one row per client (paired scores, story polarity) or one per group, never raw tags or
responses. They run unchanged on SQLite (>= 3.25, for window functions) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from spstories.storage.models import (
    CaseStudy,
    Client,
    MeasureResponse,
    MeasureScore,
    Referral,
)

BREAKDOWNS = ("age_band", "gender", "ethnic_group", "area", "imd_decile", "source")


@dataclass(frozen=True)
class Cohort:
    """Which clients and referrals count. ``organisation_ids`` must already be scoped."""

    organisation_ids: tuple[int, ...]
    start: date | None = None
    end: date | None = None
    service: str | None = None
    link_worker_id: int | None = None
    source: str | None = None
    by: str | None = None  # one of BREAKDOWNS, or None for no breakdown

    def referral_conditions(self) -> list[Any]:
        """Conditions on ``Referral`` beyond organisation scoping."""
        conds: list[Any] = []
        if self.start:
            conds.append(Referral.referred_on >= self.start)
        if self.end:
            conds.append(Referral.referred_on <= self.end)
        if self.service:
            conds.append(Referral.service == self.service)
        if self.link_worker_id:
            conds.append(Referral.link_worker_id == self.link_worker_id)
        if self.source:
            conds.append(Referral.source == self.source)
        return conds


def _first_referral_source(cohort: Cohort) -> Any:
    # A client's source is that of their earliest matching referral, so each client is
    # counted in one group only.
    return (
        select(Referral.source)
        .where(Referral.client_id == Client.id, *cohort.referral_conditions())
        .order_by(Referral.referred_on, Referral.id)
        .limit(1)
        .scalar_subquery()
    )


def cohort_subquery(cohort: Cohort) -> Subquery:
    """(client_id, grp): the cohort's clients with their breakdown group."""
    if cohort.by is None:
        grp: Any = literal("all", String)
    elif cohort.by == "source":
        grp = _first_referral_source(cohort)
    elif cohort.by == "imd_decile":
        grp = cast(Client.imd_decile, String)
    else:
        grp = getattr(Client, cohort.by)
    # Unrecorded values form their own group rather than vanishing from breakdowns.
    grp = func.coalesce(grp, literal("not recorded", String))
    stmt = select(Client.id.label("client_id"), grp.label("grp")).where(
        Client.organisation_id.in_(cohort.organisation_ids)
    )
    conds = cohort.referral_conditions()
    if conds:
        stmt = stmt.where(exists().where(Referral.client_id == Client.id, *conds))
    return stmt.subquery("cohort")


def referral_counts(session: Session, cohort: Cohort) -> list[tuple[str | None, str, str, int]]:
    """(group, source, status, referrals) for referrals matching the filters."""
    c = cohort_subquery(cohort)
    stmt = (
        select(c.c.grp, Referral.source, Referral.status, func.count())
        .join(c, c.c.client_id == Referral.client_id)
        .where(Referral.organisation_id.in_(cohort.organisation_ids), *cohort.referral_conditions())
        .group_by(c.c.grp, Referral.source, Referral.status)
    )
    return [(g, s, st, n) for g, s, st, n in session.execute(stmt)]


def days_to_first_contact(session: Session, cohort: Cohort) -> list[tuple[int, int]]:
    """(days from referral to first contact, referrals) histogram."""
    if session.get_bind().dialect.name == "sqlite":
        days: Any = cast(
            func.julianday(Referral.first_contact_on) - func.julianday(Referral.referred_on),
            Integer,
        )
    else:
        days = Referral.first_contact_on - Referral.referred_on
    stmt = (
        select(days.label("days"), func.count())
        .where(
            Referral.organisation_id.in_(cohort.organisation_ids),
            Referral.first_contact_on.is_not(None),
            *cohort.referral_conditions(),
        )
        .group_by(days)
        .order_by(days)
    )
    return [(int(d), n) for d, n in session.execute(stmt)]


def measure_completion(
    session: Session, cohort: Cohort, include_modified: bool = False
) -> list[tuple[str | None, int, int, int]]:
    """(group, clients, clients with a baseline, clients with a follow-up) per group."""
    c = cohort_subquery(cohort)
    mr = MeasureResponse
    cond = [mr.organisation_id.in_(cohort.organisation_ids)]
    if not include_modified:
        cond.append(mr.modified == false())
    per_client = (
        select(
            mr.client_id,
            func.max(case((mr.timepoint == "baseline", 1), else_=0)).label("b"),
            func.max(case((mr.timepoint != "baseline", 1), else_=0)).label("f"),
        )
        .where(*cond)
        .group_by(mr.client_id)
        .subquery("pc")
    )
    stmt = (
        select(
            c.c.grp,
            func.count(),
            func.coalesce(func.sum(per_client.c.b), 0),
            func.coalesce(func.sum(per_client.c.f), 0),
        )
        .select_from(c)
        .outerjoin(per_client, per_client.c.client_id == c.c.client_id)
        .group_by(c.c.grp)
    )
    return [(g, n, int(b), int(f)) for g, n, b, f in session.execute(stmt)]


def modified_counts(session: Session, cohort: Cohort) -> dict[str, int]:
    """Modified administrations per instrument among the cohort's responses."""
    c = cohort_subquery(cohort)
    mr = MeasureResponse
    stmt = (
        select(mr.instrument, func.count())
        .join(c, c.c.client_id == mr.client_id)
        .where(mr.organisation_id.in_(cohort.organisation_ids), mr.modified.is_(True))
        .group_by(mr.instrument)
    )
    return {i: n for i, n in session.execute(stmt)}


@dataclass(frozen=True)
class PairRow:
    """One client's paired values on one scale."""

    client_id: int
    instrument: str
    scale: str
    baseline: float
    follow_up: float
    group: str | None
    has_case_study: bool


def paired_scores(
    session: Session,
    cohort: Cohort,
    scales: Iterable[tuple[str, str]],
    include_modified: bool = False,
) -> list[PairRow]:
    """Per client and (instrument, scale): earliest baseline and the preferred follow-up.

    Same rule as ``core.measures.pair_baseline_follow_up``: follow-up dated after the
    baseline, latest exit preferred, else latest review (higher number on the same day).
    """
    wanted = list(scales)
    c = cohort_subquery(cohort)
    mr, ms = MeasureResponse, MeasureScore
    cond: list[Any] = [
        mr.organisation_id.in_(cohort.organisation_ids),
        or_(*(and_(mr.instrument == i, ms.scale == s) for i, s in wanted)) if wanted else false(),
    ]
    if not include_modified:
        cond.append(mr.modified == false())
    r = (
        select(
            mr.client_id, mr.instrument, ms.scale, ms.value, mr.timepoint,
            mr.administered_on, func.coalesce(mr.review_number, 0).label("review"),
            mr.id.label("rid"), c.c.grp,
        )
        .join(ms, ms.response_id == mr.id)
        .join(c, c.c.client_id == mr.client_id)
        .where(*cond)
        .cte("r")
    )
    key = (r.c.client_id, r.c.instrument, r.c.scale)
    ranked_b = (
        select(
            *key, r.c.value, r.c.administered_on, r.c.grp,
            func.row_number().over(partition_by=key, order_by=(r.c.administered_on, r.c.rid))
            .label("rn"),
        )
        .where(r.c.timepoint == "baseline")
        .subquery("rb")
    )
    b = select(ranked_b).where(ranked_b.c.rn == 1).subquery("b")
    same = and_(*(bc == rc for bc, rc in zip((b.c.client_id, b.c.instrument, b.c.scale), key,
                                             strict=True)))
    ranked_f = (
        select(
            *key, r.c.value,
            func.row_number().over(
                partition_by=key,
                order_by=(
                    case((r.c.timepoint == "exit", 0), else_=1),
                    r.c.administered_on.desc(), r.c.review.desc(), r.c.rid.desc(),
                ),
            ).label("rn"),
        )
        .join(b, and_(same, r.c.administered_on > b.c.administered_on))
        .where(r.c.timepoint.in_(("exit", "review")))
        .subquery("rf")
    )
    has_cs = exists().where(
        CaseStudy.client_id == b.c.client_id, CaseStudy.status != "draft"
    )
    stmt = select(
        b.c.client_id, b.c.instrument, b.c.scale, b.c.value, ranked_f.c.value, b.c.grp,
        has_cs.label("cs"),
    ).join(
        ranked_f,
        and_(
            ranked_f.c.client_id == b.c.client_id, ranked_f.c.instrument == b.c.instrument,
            ranked_f.c.scale == b.c.scale, ranked_f.c.rn == 1,
        ),
    )
    return [PairRow(*row[:6], bool(row[6])) for row in session.execute(stmt)]
