"""Keeping the dashboard's per-client summaries current (tables in ``models.dashboard``).

Triggers (migration 0010) put the id of every client whose tags, responses, scores,
documents or organisation change into ``dashboard_stale``. ``refresh_stale`` recomputes
those clients here, from the base tables, in SQL. Sessions made by
``storage.db.make_session_factory`` call it just before they commit, so a transaction that
changes a client's records commits the client's summaries with them, whichever service
(or bulk insert, or cascade) made the change. ``storage.db.upgrade`` calls it after the
migrations, and ``rebuild`` recomputes every client (``spstories rebuild-dashboard``).

The rules are the dashboard's: rejected tags never count; a tag is *confirmed* when a
person made or accepted it; codes roll up to their top-level key; pairing follows
``core.measures.pair_baseline_follow_up`` (see ``_pairs``). A record counts for its client
only when it belongs to the client's organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    and_,
    case,
    cast,
    delete,
    event,
    false,
    func,
    insert,
    inspect,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session, sessionmaker

from spstories.storage.dashboard_tags import confirmed_tag, outcome_code_map
from spstories.storage.models import (
    CaseStudy,
    Client,
    DashboardClient,
    DashboardOutcome,
    DashboardPair,
    DashboardStale,
    Feedback,
    MeasureResponse,
    MeasureScore,
    Tag,
)

_FLAG = "spstories.dashboard_writes"
_READY = "spstories.dashboard_summaries"
_LOCK = 0x5350_4453  # PostgreSQL advisory lock: one summary refresh at a time
_BULK = 5_000  # more stale clients than this: recompute everyone, cheaper than id lists
_CHUNK = 1_000
SUMMARIES = (DashboardPair, DashboardOutcome, DashboardClient)


# --- when: just before a writing transaction commits -------------------------------------


def install(factory: sessionmaker[Session]) -> None:
    """Refresh stale summaries before each commit of a session that wrote anything."""

    def flag(session: Session, *_: Any) -> None:
        session.info[_FLAG] = True

    def flag_writes(state: Any) -> None:
        if not state.is_select:
            state.session.info[_FLAG] = True

    def before_commit(session: Session) -> None:
        if session.info.get(_FLAG):
            session.flush()  # the triggers see pending changes
            refresh_stale(session)
            session.info.pop(_FLAG, None)

    event.listen(factory, "after_flush", flag)
    event.listen(factory, "do_orm_execute", flag_writes)
    event.listen(factory, "before_commit", before_commit)


def _ready(session: Session) -> bool:
    """Whether the database has the summary tables (it may be at an older revision)."""
    connection = session.connection()
    if connection.info.get(_READY):
        return True
    ready = inspect(connection).has_table(DashboardStale.__tablename__)
    if ready:  # remembered only once true: an old database may be upgraded meanwhile
        connection.info[_READY] = True
    return ready


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(literal(_LOCK, BigInteger))))


def refresh_stale(session: Session) -> int:
    """Recompute the summaries of every client marked stale; returns how many."""
    if not _ready(session) or session.scalar(select(DashboardStale.client_id).limit(1)) is None:
        return 0
    _lock(session)
    stale = DashboardStale.__table__
    ids = sorted(session.scalars(delete(stale).returning(stale.c.client_id)))
    if len(ids) > _BULK:
        _recompute(session, None)
    else:
        for i in range(0, len(ids), _CHUNK):
            _recompute(session, ids[i : i + _CHUNK])
    return len(ids)


def rebuild(session: Session) -> int:
    """Recompute every client's summaries from scratch; returns the number of clients."""
    _lock(session)
    session.execute(delete(DashboardStale.__table__))
    _recompute(session, None)
    return session.scalar(select(func.count()).select_from(DashboardClient)) or 0


# --- what: the summaries of some clients (``ids``), or of all (None) ----------------------


def _recompute(session: Session, ids: Sequence[int] | None) -> None:
    for model in SUMMARIES:
        table = model.__table__
        stmt = delete(table)
        session.execute(stmt.where(table.c.client_id.in_(ids)) if ids is not None else stmt)
    code_map = outcome_code_map(session)
    session.execute(insert(DashboardClient.__table__).from_select(
        [c.name for c in DashboardClient.__table__.columns], _clients(ids, list(code_map))))
    if code_map:
        session.execute(insert(DashboardOutcome.__table__).from_select(
            ["client_id", "code", "polarity", "organisation_id", "confirmed"],
            _outcomes(ids, code_map)))
    for included in (False, True):
        session.execute(insert(DashboardPair.__table__).from_select(
            ["client_id", "instrument", "scale", "modified_included", "organisation_id",
             "baseline", "follow_up", "case_study"], _pairs(session, ids, included)))


def _own(model: Any) -> Any:
    """Join condition: the record's client, in the record's organisation."""
    return and_(Client.id == model.client_id, Client.organisation_id == model.organisation_id)


def _only(column: Any, ids: Sequence[int] | None) -> list[Any]:
    return [] if ids is None else [column.in_(ids)]


def _counted(code_ids: list[int]) -> list[Any]:
    return [Tag.review_state != "rejected", Tag.polarity.is_not(None), Tag.code_id.in_(code_ids)]


def _flag(condition: Any) -> Any:
    return func.max(case((condition, 1), else_=0))


def _direction(up: Any, down: Any) -> Any:
    up, down = func.coalesce(up, 0), func.coalesce(down, 0)
    return case((and_(up > 0, down == 0), 1), (and_(down > 0, up == 0), -1), else_=0)


def _clients(ids: Sequence[int] | None, code_ids: list[int]) -> Any:
    mr = MeasureResponse
    kept = mr.modified == false()
    measures = (
        select(
            mr.client_id,
            _flag(and_(mr.timepoint == "baseline", kept)).label("b"),
            _flag(and_(mr.timepoint != "baseline", kept)).label("f"),
            _flag(mr.timepoint == "baseline").label("ba"),
            _flag(mr.timepoint != "baseline").label("fa"),
        )
        .join(Client, _own(mr))
        .where(*_only(mr.client_id, ids))
        .group_by(mr.client_id)
        .subquery("m")
    )
    docs = union_all(
        select(CaseStudy.client_id, literal(1).label("cs")).join(Client, _own(CaseStudy))
        .where(CaseStudy.status != "draft", *_only(CaseStudy.client_id, ids)),
        select(Feedback.client_id, literal(0).label("cs")).join(Client, _own(Feedback))
        .where(*_only(Feedback.client_id, ids)),
    ).subquery("d")
    narrative = (
        select(docs.c.client_id, func.max(docs.c.cs).label("cs"))
        .group_by(docs.c.client_id)
        .subquery("n")
    )

    def tally(polarity: str, confirmed: bool = False) -> Any:
        cond = and_(Tag.polarity == polarity, confirmed_tag()) if confirmed else (
            Tag.polarity == polarity)
        return func.sum(case((cond, 1), else_=0))

    tags = (
        select(Tag.client_id, tally("improved").label("up"), tally("worsened").label("down"),
               tally("improved", True).label("cup"), tally("worsened", True).label("cdown"))
        .join(Client, _own(Tag))
        .where(*_counted(code_ids), *_only(Tag.client_id, ids))
        .group_by(Tag.client_id)
        .subquery("t")
    )
    return (
        select(
            Client.id, Client.organisation_id,
            *(func.coalesce(measures.c[k], 0) for k in ("b", "f", "ba", "fa")),
            case((narrative.c.client_id.is_not(None), 1), else_=0),
            func.coalesce(narrative.c.cs, 0),
            _direction(tags.c.up, tags.c.down),
            _direction(tags.c.cup, tags.c.cdown),
        )
        .outerjoin(measures, measures.c.client_id == Client.id)
        .outerjoin(narrative, narrative.c.client_id == Client.id)
        .outerjoin(tags, tags.c.client_id == Client.id)
        .where(*_only(Client.id, ids))
    )


def _outcomes(ids: Sequence[int] | None, code_map: dict[int, str]) -> Any:
    # The top-level code is computed in a subquery and grouped on outside: PostgreSQL
    # would not match a CASE with bound parameters in SELECT to its copy in GROUP BY.
    rows = (
        select(
            Tag.client_id, case(code_map, value=Tag.code_id).label("code"), Tag.polarity,
            Client.organisation_id, case((confirmed_tag(), 1), else_=0).label("confirmed"),
        )
        .join(Client, _own(Tag))
        .where(*_counted(list(code_map)), *_only(Tag.client_id, ids))
        .subquery("r")
    )
    keys = (rows.c.client_id, rows.c.code, rows.c.polarity, rows.c.organisation_id)
    return select(*keys, func.max(rows.c.confirmed)).group_by(*keys)


# Pairing picks rows by several sort keys at once. Packing the keys into one 64-bit integer
# lets a plain MIN/MAX in a GROUP BY pick the row (no window function), and the response id
# comes back out of the low bits. The id is the last key, so among responses of the same
# day (and review number) the baseline is the first recorded and the follow-up the last
# recorded, as in ``core.measures.pair_baseline_follow_up`` given responses in id order.
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


def _pairs(session: Session, ids: Sequence[int] | None, included: bool) -> Any:
    """Per client, instrument and scale: the earliest baseline and the preferred follow-up.

    The follow-up is dated after the baseline: the latest exit, else the latest review
    (higher number on the same day). The latest exit overall is dated after the baseline
    exactly when any exit is, so the maxima need no second pass; likewise for reviews.
    Responses without the scale take no part (they have no score row for it).
    """
    mr, ms = MeasureResponse, MeasureScore
    days = _day_number(session, mr.administered_on)
    review = func.coalesce(mr.review_number, 0)
    review = case((review < 0, 0), (review > _REVIEW_MAX, _REVIEW_MAX), else_=review)
    baseline_key = days * _big(2**_ID_BITS) + mr.id
    follow_key = days * _big(2**_DAY_SHIFT) + review * _big(2**_ID_BITS) + mr.id
    keys = (
        select(
            mr.client_id, Client.organisation_id, mr.instrument, ms.scale,
            func.min(case((mr.timepoint == "baseline", baseline_key))).label("b"),
            func.max(case((mr.timepoint == "exit", follow_key))).label("e"),
            func.max(case((mr.timepoint == "review", follow_key))).label("v"),
        )
        .join(ms, ms.response_id == mr.id)
        .join(Client, _own(mr))
        .where(*_only(mr.client_id, ids), *([] if included else [mr.modified == false()]))
        .group_by(mr.client_id, Client.organisation_id, mr.instrument, ms.scale)
        .subquery("k")
    )
    baseline_day = _shift(keys.c.b, _ID_BITS)
    follow = case(
        (_shift(keys.c.e, _DAY_SHIFT) > baseline_day, keys.c.e),
        (_shift(keys.c.v, _DAY_SHIFT) > baseline_day, keys.c.v),
    )
    chosen = (
        select(
            keys.c.client_id, keys.c.organisation_id, keys.c.instrument, keys.c.scale,
            keys.c.b.op("&")(_big(_ID_MASK)).label("b_id"),
            follow.op("&")(_big(_ID_MASK)).label("f_id"),
        )
        .where(keys.c.b.is_not(None))
        .subquery("p")
    )
    b, f = MeasureScore.__table__.alias("b"), MeasureScore.__table__.alias("f")
    dc = DashboardClient.__table__
    return (
        select(
            chosen.c.client_id, chosen.c.instrument, chosen.c.scale,
            literal(included, Boolean), chosen.c.organisation_id, b.c.value, f.c.value,
            func.coalesce(dc.c.case_study, 0),
        )
        .join(b, and_(b.c.response_id == chosen.c.b_id, b.c.scale == chosen.c.scale))
        .join(f, and_(f.c.response_id == chosen.c.f_id, f.c.scale == chosen.c.scale))
        .outerjoin(dc, dc.c.client_id == chosen.c.client_id)
    )
