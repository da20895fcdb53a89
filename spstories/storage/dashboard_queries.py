"""SQL aggregation for the dashboard: GROUP BY in the database, small results out.

Every query starts from a ``Cohort``: the clients of the user's organisations that match the
filters (referred in the period, by that service, link worker or source). Measure and tag
figures read the per-client summaries (``models.dashboard``, kept by
``dashboard_summaries``); referral figures read the referrals. Queries return one row per
group and value, never raw tags or responses. They run on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from spstories.storage.models import (
    Client,
    DashboardClient,
    DashboardPair,
    MeasureResponse,
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
    materialized: bool = False  # computed into the temporary table below (see ``materialize``)

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


def _first_referral_sources(cohort: Cohort) -> Subquery:
    # The same, for every client at once: (client_id, source, n), the first where n = 1.
    order = func.row_number().over(
        partition_by=Referral.client_id, order_by=(Referral.referred_on, Referral.id))
    return (
        select(Referral.client_id, Referral.source, order.label("n"))
        .where(*cohort.referral_conditions())
        .subquery("first_referral")
    )


# A page's queries read a filtered or broken-down cohort from this temporary table (one
# per connection), filled once, rather than each finding the clients and their referrals
# again: twice as fast on PostgreSQL, more on SQLite.
_COHORT_TABLE = Table(
    "dashboard_cohort", MetaData(),
    Column("client_id", Integer, primary_key=True), Column("grp", String),
)


def materialize(session: Session, cohort: Cohort) -> Cohort:
    """The cohort for a page of queries. When it needs more than the organisations (a
    referral filter or a breakdown), it is computed once into a temporary table: private to
    the connection, created in the transaction (gone with a rollback), no lock on the
    database's tables. Use the returned cohort within this transaction only."""
    needed = cohort.by is not None or bool(cohort.referral_conditions())
    if not needed or cohort.materialized:
        return cohort
    sqlite = session.get_bind().dialect.name == "sqlite"
    session.execute(text(
        "CREATE TEMP TABLE IF NOT EXISTS dashboard_cohort "
        "(client_id INTEGER PRIMARY KEY, grp VARCHAR)"))
    session.execute(delete(_COHORT_TABLE))
    c = cohort_subquery(cohort, window=not sqlite)
    session.execute(insert(_COHORT_TABLE).from_select(["client_id", "grp"], select(c)))
    if not sqlite:
        session.execute(text("ANALYZE dashboard_cohort"))  # so joins are planned for its size
    return replace(cohort, materialized=True)


def cohort_subquery(cohort: Cohort, *, window: bool = True) -> Subquery:
    """(client_id, grp): the cohort's clients with their breakdown group. ``window``: find a
    client's first referral source with a window over the referrals (one pass, best on
    PostgreSQL) rather than a subquery per client (best on SQLite)."""
    if cohort.materialized:
        return select(_COHORT_TABLE).subquery("cohort")
    first = None
    if cohort.by is None:
        grp: Any = literal("all", String)
    elif cohort.by == "source" and window:
        first = _first_referral_sources(cohort)
        grp = first.c.source
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
    if first is not None:
        stmt = stmt.outerjoin(first, and_(first.c.client_id == Client.id, first.c.n == 1))
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


ALL = "all"  # the group name when there is no breakdown


class Scope(NamedTuple):
    """A summary table's rows for a cohort, and the cohort's groups."""

    source: Any  # FROM clause
    group: Any | None  # the group column, or None: every row is in the group "all"
    where: list[Any]


def summary_scope(cohort: Cohort, table: Table) -> Scope:
    """Rows of a per-client summary table (``models.dashboard``) for the cohort's clients.

    With no referral filter and no breakdown the cohort is every client of the
    organisations, and a summary row carries its client's organisation: no join needed.
    """
    if cohort.by is None and not cohort.referral_conditions():
        return Scope(table, None, [table.c.organisation_id.in_(cohort.organisation_ids)])
    c = cohort_subquery(cohort)
    return Scope(table.join(c, c.c.client_id == table.c.client_id), c.c.grp, [])


def grouped(
    session: Session, scope: Scope, columns: list[Any], keys: Sequence[Any] = (),
    where: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """(group, *columns) rows, aggregated per group and ``keys``."""
    group = [] if scope.group is None else [scope.group]
    stmt = select(*group, *columns).select_from(scope.source).where(*scope.where, *where)
    if group or keys:
        stmt = stmt.group_by(*group, *keys)
    rows = session.execute(stmt)
    return [tuple(r) for r in rows] if group else [(ALL, *r) for r in rows]


def measure_completion(
    session: Session, cohort: Cohort, include_modified: bool = False
) -> list[tuple[str | None, int, int, int]]:
    """(group, clients, clients with a baseline, clients with a follow-up) per group."""
    d = DashboardClient.__table__
    any_ = "_any" if include_modified else ""
    rows = grouped(session, summary_scope(cohort, d), [
        func.count(), func.sum(d.c[f"baseline{any_}"]), func.sum(d.c[f"follow_up{any_}"])])
    return [(g, n, int(b or 0), int(f or 0)) for g, n, b, f in rows if n]



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


class PairCount(NamedTuple):
    """How many clients of a group have these paired values on one scale."""

    instrument: str
    scale: str
    group: str | None
    has_case_study: bool
    baseline: float
    follow_up: float
    clients: int


def scale_condition(table: Table, scales: Iterable[tuple[str, str]]) -> Any:
    return or_(*(and_(table.c.instrument == i, table.c.scale == s) for i, s in scales))


def paired_score_counts(
    session: Session,
    cohort: Cohort,
    scales: Iterable[tuple[str, str]],
    include_modified: bool = False,
) -> list[PairCount]:
    """Clients per (scale, group, case study or not, baseline, follow-up).

    Scores take few distinct values, so this is a few hundred rows where the pairs are
    ~100,000, and every statistic of the pairs can be computed from it.
    """
    wanted = list(scales)
    if not wanted or not cohort.organisation_ids:
        return []
    p = DashboardPair.__table__
    scope = summary_scope(cohort, p)
    group = [] if scope.group is None else [scope.group]
    sqlite = session.get_bind().dialect.name == "sqlite"
    keys = (p.c.instrument, p.c.scale, *group, p.c.baseline, p.c.follow_up, p.c.case_study)
    per_scale = [
        select(*keys, func.count())
        .select_from(scope.source)
        .where(*scope.where, p.c.modified_included == include_modified, *scale)
        .group_by(*keys)
        # One SELECT per scale reads an index range in value order; joined to a cohort on
        # PostgreSQL, one SELECT for every scale reads the cohort once.
        for scale in ([[scale_condition(p, wanted)]] if group and not sqlite
                      else [[p.c.instrument == i, p.c.scale == s] for i, s in wanted])
    ]
    out = []
    for row in session.execute(union_all(*per_scale) if len(per_scale) > 1 else per_scale[0]):
        instrument, scale, *rest = row
        g, (b, f, cs, n) = (rest[0], rest[1:]) if group else (ALL, rest)
        out.append(PairCount(instrument, scale, g, bool(cs), b, f, n))
    return out
