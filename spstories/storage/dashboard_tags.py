"""SQL aggregation of outcome tags for the dashboard: clients, not sentences, are counted.

Rejected tags never count. A client counts as *human-confirmed* for a code and polarity when
at least one of their tags for it was made or accepted by a person, otherwise *machine-only*.
Codes roll up to their top-level key (``finances.debt`` counts as ``finances``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from spstories.core.tags import Polarity
from spstories.storage.dashboard_queries import Cohort, cohort_subquery
from spstories.storage.models import CaseStudy, Client, Code, Codebook, Feedback, Tag

OUTCOMES_CODEBOOK = "sp-outcomes"


def outcome_code_map(session: Session) -> dict[int, str]:
    """code id -> top-level key, over every stored version of the outcomes codebook."""
    rows = session.execute(
        select(Code.id, Code.key, Code.parent_key, Code.codebook_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(Codebook.key == OUTCOMES_CODEBOOK)
    ).all()
    parents = {(cb, key): parent for _, key, parent, cb in rows}

    def top(codebook_id: int, key: str) -> str:
        seen: set[str] = set()
        while (parent := parents.get((codebook_id, key))) and key not in seen:
            seen.add(key)
            key = parent
        return key

    return {code_id: top(cb, key) for code_id, key, _, cb in rows}


def _top(code_map: Mapping[int, str]) -> Any:
    # The codebook tables are tiny, so the roll-up is a CASE over code ids: no join needed.
    return case(dict(code_map), value=Tag.code_id, else_=None) if code_map else literal(None)


def _confirmed() -> Any:
    return case((or_(Tag.origin == "human", Tag.review_state == "accepted"), 1), else_=0)


def _counted(cohort: Cohort, code_map: Mapping[int, str]) -> list[Any]:
    return [
        Tag.organisation_id.in_(cohort.organisation_ids),
        Tag.review_state != "rejected",
        Tag.polarity.is_not(None),
        Tag.code_id.in_(list(code_map)),
    ]


# Outcome counts are distinct clients per (code, polarity). Each (top-level code, polarity)
# gets one bit; OR-ing a client's bits in a GROUP BY client_id (which streams over
# ix_tags_dashboard, no sort) gives their set, and summing each bit over clients gives the
# counts: one pass over the tags instead of sorting ~500,000 (client, code, polarity) keys.
_POLARITY_BIT = {p.value: 2**i for i, p in enumerate(Polarity)}
_BITS_PER_MASK = 60  # a multiple of the 3 polarities, below the sign bit of a BIGINT


def _bit_or(session: Session, value: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.bit_or(value)
    # The bits are powers of two, so the sum of the distinct values is their OR.
    return func.sum(value.distinct())


def outcome_counts(
    session: Session, cohort: Cohort, code_map: Mapping[int, str]
) -> list[tuple[str | None, str, str, int, int]]:
    """(group, code, polarity, clients, human-confirmed clients)."""
    if not code_map:
        return []
    tops = sorted(set(code_map.values()))
    width = len(_POLARITY_BIT)
    per_mask = _BITS_PER_MASK // width
    polarity_bit = case(
        {p: literal(b, BigInteger) for p, b in _POLARITY_BIT.items()}, value=Tag.polarity
    )
    masks, confirmed = [], []
    for m in range(0, len(tops), per_mask):
        chunk = {top: 2 ** (width * i) for i, top in enumerate(tops[m : m + per_mask])}
        code_bit = case(
            {cid: literal(chunk[top], BigInteger) for cid, top in code_map.items() if top in chunk},
            value=Tag.code_id, else_=None,
        )
        bit = code_bit * polarity_bit
        masks.append(_bit_or(session, bit).label(f"m{m}"))
        confirmed.append(_bit_or(session, case((_confirmed() == 1, bit))).label(f"c{m}"))
    per_client = (
        select(Tag.client_id, *masks, *confirmed)
        .where(*_counted(cohort, code_map))
        .group_by(Tag.client_id)
        .subquery("pc")
    )
    c = cohort_subquery(cohort)
    columns, keys = [], []
    for m in range(0, len(tops), per_mask):
        for i, top in enumerate(tops[m : m + per_mask]):
            for polarity, bit in _POLARITY_BIT.items():
                shift = literal(width * i + bit.bit_length() - 1, Integer)
                for mask in (per_client.c[f"m{m}"], per_client.c[f"c{m}"]):
                    columns.append(func.sum(mask.op(">>")(shift).op("&")(literal(1, BigInteger))))
                keys.append((top, polarity))
    stmt = (
        select(c.c.grp, *columns)
        .join(c, c.c.client_id == per_client.c.client_id)
        .group_by(c.c.grp)
    )
    out = []
    for group, *sums in session.execute(stmt):
        for (top, polarity), n, ok in zip(keys, sums[::2], sums[1::2], strict=True):
            if n:
                out.append((group, top, polarity, int(n), int(ok or 0)))
    return out


def narrative_coverage(session: Session, cohort: Cohort) -> list[tuple[str | None, int, int, int]]:
    """(group, clients, clients with any narrative, clients with a case study)."""
    c = cohort_subquery(cohort)
    docs = union_all(
        select(CaseStudy.client_id, literal(1).label("cs")).where(
            CaseStudy.organisation_id.in_(cohort.organisation_ids), CaseStudy.status != "draft"
        ),
        select(Feedback.client_id, literal(0).label("cs")).where(
            Feedback.organisation_id.in_(cohort.organisation_ids)
        ),
    ).subquery("docs")
    per_client = (
        select(docs.c.client_id, func.max(docs.c.cs).label("cs"))
        .where(docs.c.client_id.is_not(None))
        .group_by(docs.c.client_id)
        .subquery("pc")
    )
    stmt = (
        select(
            c.c.grp, func.count(), func.count(per_client.c.client_id),
            func.coalesce(func.sum(per_client.c.cs), 0),
        )
        .select_from(c)
        .outerjoin(per_client, per_client.c.client_id == c.c.client_id)
        .group_by(c.c.grp)
    )
    return [(g, n, int(any_), int(cs)) for g, n, any_, cs in session.execute(stmt)]


def story_polarity(
    session: Session, cohort: Cohort, code_map: Mapping[int, str]
) -> dict[int, tuple[int, int]]:
    """client id -> (improved tags, worsened tags), for clients with either."""
    # Count per client first (a streaming GROUP BY over ix_tags_dashboard), then keep the
    # cohort's clients: joining ~50,000 client rows instead of ~300,000 tags.
    per_client = (
        select(
            Tag.client_id,
            func.sum(case((Tag.polarity == "improved", 1), else_=0)).label("up"),
            func.sum(case((Tag.polarity == "worsened", 1), else_=0)).label("down"),
        )
        .where(*_counted(cohort, code_map), Tag.polarity.in_(("improved", "worsened")))
        .group_by(Tag.client_id)
        .subquery("pc")
    )
    c = cohort_subquery(cohort)
    stmt = select(per_client).join(c, c.c.client_id == per_client.c.client_id)
    return {cid: (int(up), int(down)) for cid, up, down in session.execute(stmt)}


@dataclass(frozen=True)
class Quote:
    """One piece of evidence, with where it came from."""

    client_id: int
    client_reference: str
    code: str
    polarity: str
    evidence: str
    confirmed: bool
    case_study_id: int | None
    feedback_id: int | None
    recorded_on: date | None


def evidence_quotes(
    session: Session,
    cohort: Cohort,
    code_map: Mapping[int, str],
    *,
    code: str | None = None,
    polarity: str | None = None,
    kind: str = "all",
    client_ids: Sequence[int] | None = None,
    limit: int = 200,
) -> list[Quote]:
    """Evidence behind a count: ``kind`` is all, confirmed or machine (machine-only clients)."""
    c = cohort_subquery(cohort)
    ids = [i for i, key in code_map.items() if code is None or key == code]
    conds = [*_counted(cohort, {i: code_map[i] for i in ids})]
    if polarity:
        conds.append(Tag.polarity == polarity)
    if client_ids is not None:
        conds.append(Tag.client_id.in_(list(client_ids)))
    if kind == "confirmed":
        conds.append(_confirmed() == 1)
    elif kind == "machine":
        other = Tag.__table__.alias("other")
        conds.append(
            ~select(other.c.id)
            .where(
                other.c.client_id == Tag.client_id, other.c.code_id.in_(ids),
                other.c.polarity == Tag.polarity,
                or_(other.c.origin == "human", other.c.review_state == "accepted"),
            )
            .exists()
        )
    stmt = (
        select(Tag, Client.reference, CaseStudy.updated_at, Feedback.received_on)
        .join(c, c.c.client_id == Tag.client_id)
        .join(Client, Client.id == Tag.client_id)
        .outerjoin(CaseStudy, CaseStudy.id == Tag.case_study_id)
        .outerjoin(Feedback, and_(Feedback.id == Tag.feedback_id))
        .where(*conds)
        .order_by(Client.reference, Tag.id)
        .limit(limit)
    )
    return [
        Quote(
            client_id=tag.client_id, client_reference=ref, code=code_map[tag.code_id],
            polarity=tag.polarity, evidence=tag.evidence,
            confirmed=tag.origin == "human" or tag.review_state == "accepted",
            case_study_id=tag.case_study_id, feedback_id=tag.feedback_id,
            recorded_on=received or (updated.date() if updated else None),
        )
        for tag, ref, updated, received in session.execute(stmt)
    ]
