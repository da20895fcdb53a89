"""SQL aggregation for the dashboard: GROUP BY in the database, small results out.

Every query starts from a ``Cohort``: the clients of the user's organisations that match the
filters (referred in the period, by that service, link worker or source). Queries return at
most one row per client (paired scores, story polarity) or one per group, never raw tags or
responses. They run on SQLite and PostgreSQL alike (day arithmetic and the OR aggregate
differ by dialect).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    select,
    type_coerce,
    union_all,
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


class PairRow(NamedTuple):
    """One client's paired values on one scale (a tuple: ~100,000 are built per page)."""

    client_id: int
    instrument: str
    scale: str
    baseline: float
    follow_up: float
    group: str | None
    has_case_study: bool


# Pairing picks rows by several sort keys at once. Packing the keys into one 64-bit integer
# lets a plain MIN/MAX in a GROUP BY pick the row (no window function, no sort on SQLite
# when the index supplies client order), and the response id comes back out of the low bits.
_ID_BITS = 32  # response ids are below 2**31 (INTEGER primary keys on PostgreSQL)
_REVIEW_BITS = 14  # review numbers are clamped to 0..16383; real ones are single digits
_REVIEW_MAX = 2**_REVIEW_BITS - 1
_ID_MASK = 2**_ID_BITS - 1
_DAY_SHIFT = _ID_BITS + _REVIEW_BITS  # days since 2000 fit in the remaining 17 signed bits


def _big(value: int) -> Any:
    # A BIGINT literal, so PostgreSQL does the packing arithmetic in 64 bits.
    return literal(value, BigInteger)


def _shift(value: Any, bits: int) -> Any:
    # PostgreSQL's bigint >> takes an INTEGER shift count.
    return value.op(">>")(literal(bits, Integer))


def _day_number(session: Session, column: Any) -> Any:
    """Whole days from 2000-01-01 to a DATE column, as an integer, on either database."""
    if session.get_bind().dialect.name == "sqlite":
        # julianday() of a date is midnight, i.e. x.5: the difference is an exact integer.
        return cast(func.julianday(column) - 2451544.5, Integer)
    return column - literal(date(2000, 1, 1))


def _pair_keys(
    session: Session, cohort: Cohort, instrument: str, scale: str, include_modified: bool
) -> Any:
    """Per client, the packed keys of their earliest baseline and latest exit and review.

    One instrument and scale per SELECT: the covering index yields its responses in client
    order, so the GROUP BY streams on SQLite.
    """
    mr, ms = MeasureResponse, MeasureScore
    days = _day_number(session, mr.administered_on)
    review = func.coalesce(mr.review_number, 0)
    review = case((review < 0, 0), (review > _REVIEW_MAX, _REVIEW_MAX), else_=review)
    baseline_key = days * _big(2**_ID_BITS) + mr.id  # order: date, then id
    follow_key = days * _big(2**_DAY_SHIFT) + review * _big(2**_ID_BITS) + mr.id  # date, review, id
    cond: list[Any] = [mr.instrument == instrument, mr.organisation_id.in_(cohort.organisation_ids)]
    if not include_modified:
        cond.append(mr.modified == false())
    return (
        select(
            mr.client_id,
            literal(instrument, String).label("instrument"),
            literal(scale, String).label("scale"),
            func.min(case((mr.timepoint == "baseline", baseline_key))).label("b"),
            func.max(case((mr.timepoint == "exit", follow_key))).label("e"),
            func.max(case((mr.timepoint == "review", follow_key))).label("v"),
        )
        .join(ms, and_(ms.response_id == mr.id, ms.scale == scale))
        .where(*cond)
        .group_by(mr.client_id)
    )


def paired_scores(
    session: Session,
    cohort: Cohort,
    scales: Iterable[tuple[str, str]],
    include_modified: bool = False,
) -> list[PairRow]:
    """Per client and (instrument, scale): earliest baseline and the preferred follow-up.

    Same rule as ``core.measures.pair_baseline_follow_up``: follow-up dated after the
    baseline, latest exit preferred, else latest review (higher number on the same day).
    The latest exit overall is dated after the baseline exactly when any exit is, so the
    maxima need no second pass; likewise for reviews.
    """
    wanted = list(scales)
    if not wanted or not cohort.organisation_ids:
        return []
    keys = union_all(
        *(_pair_keys(session, cohort, i, s, include_modified) for i, s in wanted)
    ).subquery("k")
    baseline_day = _shift(keys.c.b, _ID_BITS)
    follow = case(
        (_shift(keys.c.e, _DAY_SHIFT) > baseline_day, keys.c.e),
        (_shift(keys.c.v, _DAY_SHIFT) > baseline_day, keys.c.v),
    )
    chosen = select(
        keys.c.client_id, keys.c.instrument, keys.c.scale,
        keys.c.b.op("&")(_big(_ID_MASK)).label("b_id"),
        follow.op("&")(_big(_ID_MASK)).label("f_id"),
    ).where(keys.c.b.is_not(None)).subquery("p")
    c = cohort_subquery(cohort)
    b, f = MeasureScore.__table__.alias("b"), MeasureScore.__table__.alias("f")
    has_cs = exists().where(CaseStudy.client_id == chosen.c.client_id, CaseStudy.status != "draft")
    stmt = (
        select(
            chosen.c.client_id, chosen.c.instrument, chosen.c.scale, b.c.value, f.c.value,
            c.c.grp, type_coerce(has_cs, Boolean),
        )
        .join(c, c.c.client_id == chosen.c.client_id)
        .join(b, and_(b.c.response_id == chosen.c.b_id, b.c.scale == chosen.c.scale))
        .join(f, and_(f.c.response_id == chosen.c.f_id, f.c.scale == chosen.c.scale))
    )
    return list(map(PairRow._make, session.execute(stmt)))
