"""SQL aggregation of outcome tags for the dashboard: clients, not sentences, are counted.

Counts read the per-client summaries (``models.dashboard``); evidence reads the tags.
Rejected tags never count. A client counts as *human-confirmed* for a code and polarity when
at least one of their tags for it was made or accepted by a person, otherwise *machine-only*.
Codes roll up to their top-level key (``finances.debt`` counts as ``finances``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from spstories.storage.dashboard_queries import (
    Cohort,
    cohort_subquery,
    grouped,
    scale_condition,
    summary_scope,
)
from spstories.storage.models import (
    CaseStudy,
    Client,
    Code,
    Codebook,
    DashboardClient,
    DashboardOutcome,
    DashboardPair,
    Feedback,
    Tag,
)

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


def confirmed_tag() -> Any:
    """A tag made or accepted by a person (rejected tags are never counted at all)."""
    return or_(Tag.origin == "human", Tag.review_state == "accepted")


def _confirmed() -> Any:
    return case((confirmed_tag(), 1), else_=0)


def _counted(cohort: Cohort, code_map: Mapping[int, str]) -> list[Any]:
    return [
        Tag.organisation_id.in_(cohort.organisation_ids),
        Tag.review_state != "rejected",
        Tag.polarity.is_not(None),
        Tag.code_id.in_(list(code_map)),
    ]


def outcome_counts(
    session: Session, cohort: Cohort, confirmed_only: bool = False
) -> list[tuple[str | None, str, str, int, int]]:
    """(group, code, polarity, clients, human-confirmed clients).

    ``confirmed_only`` counts a client only when a person made or accepted one of their
    tags for the code and polarity (then both counts are the same).
    """
    o = DashboardOutcome.__table__
    rows = grouped(
        session, summary_scope(cohort, o),
        [o.c.code, o.c.polarity, func.count(), func.sum(o.c.confirmed)],
        keys=(o.c.code, o.c.polarity),
        where=[o.c.confirmed == 1] if confirmed_only else [],
    )
    return [(g, code, p, int(n), int(ok or 0)) for g, code, p, n, ok in rows]


def narrative_coverage(session: Session, cohort: Cohort) -> list[tuple[str | None, int, int, int]]:
    """(group, clients, clients with any narrative, clients with a case study)."""
    d = DashboardClient.__table__
    rows = grouped(session, summary_scope(cohort, d),
                   [func.count(), func.sum(d.c.narrative), func.sum(d.c.case_study)])
    return [(g, n, int(any_ or 0), int(cs or 0)) for g, n, any_, cs in rows if n]


class StoryPair(NamedTuple):
    """A client whose stories point one way, with their paired values on one scale."""

    client_id: int
    instrument: str
    scale: str
    baseline: float
    follow_up: float
    story: int  # 1: improved and never worsened; -1: worsened and never improved


def one_way_stories(
    session: Session,
    cohort: Cohort,
    scales: Sequence[tuple[str, str]],
    include_modified: bool = False,
    confirmed_only: bool = False,
) -> list[StoryPair]:
    """Clients whose counted (or confirmed) outcome tags include improved but no worsened,
    or worsened but no improved, with their pairs on ``scales``: the discordance list's
    candidates."""
    if not scales or not cohort.organisation_ids:
        return []
    d, p = DashboardClient.__table__, DashboardPair.__table__
    story = d.c.confirmed_story if confirmed_only else d.c.story
    scope = summary_scope(cohort, d)
    stmt = (
        select(d.c.client_id, p.c.instrument, p.c.scale, p.c.baseline, p.c.follow_up, story)
        .select_from(scope.source.join(p, p.c.client_id == d.c.client_id))
        .where(*scope.where, story.in_((1, -1)), p.c.modified_included == include_modified,
               scale_condition(p, scales))
    )
    return [StoryPair(*row) for row in session.execute(stmt)]


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
    per_client: int | None = None,
    limit: int = 200,
) -> list[Quote]:
    """Evidence behind a count: ``kind`` is all, confirmed or machine (machine-only clients);
    at most ``per_client`` quotes of each client (their first tags), ``limit`` in all."""
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
    rank = [] if per_client is None else [
        func.row_number().over(partition_by=Tag.client_id, order_by=Tag.id).label("rank")]
    tags = (
        select(Tag.id, Tag.client_id, Tag.code_id, Tag.polarity, Tag.evidence, Tag.origin,
               Tag.review_state, Tag.case_study_id, Tag.feedback_id, *rank)
        .join(c, c.c.client_id == Tag.client_id)
        .where(*conds)
        .subquery("q")
    )
    stmt = (
        select(tags.c.client_id, Client.reference, tags.c.code_id, tags.c.polarity,
               tags.c.evidence, tags.c.origin, tags.c.review_state, tags.c.case_study_id,
               tags.c.feedback_id, CaseStudy.updated_at, Feedback.received_on)
        .join(Client, Client.id == tags.c.client_id)
        .outerjoin(CaseStudy, CaseStudy.id == tags.c.case_study_id)
        .outerjoin(Feedback, Feedback.id == tags.c.feedback_id)
        .where(*([] if per_client is None else [tags.c.rank <= per_client]))
        .order_by(Client.reference, tags.c.id)
        .limit(limit)
    )
    return [
        Quote(
            client_id=client_id, client_reference=ref, code=code_map[code_id],
            polarity=polarity_, evidence=evidence,
            confirmed=origin == "human" or state == "accepted",
            case_study_id=case_study_id, feedback_id=feedback_id,
            recorded_on=received or (updated.date() if updated else None),
        )
        for (client_id, ref, code_id, polarity_, evidence, origin, state, case_study_id,
             feedback_id, updated, received) in session.execute(stmt)
    ]
