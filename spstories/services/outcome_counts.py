"""The dashboard's outcome counts as data: clients (not sentences) per outcome and polarity.

The same cohort, summaries and confirmed-only rule as the dashboard page, and the same
small-number suppression (``core.suppression``): a count of 1 to threshold - 1 clients is
sent as ``null`` with ``"<threshold"`` beside it, never as the number. In a breakdown the
groups of one outcome and polarity are suppressed together (primary and secondary), as
the dashboard's breakdown table does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from spstories.core.suppression import is_small, show_count, suppress_group
from spstories.services.dashboard import STORY_CODES_ORDER, Filters, cohort_for, sum_groups
from spstories.storage import dashboard_queries as q
from spstories.storage import dashboard_summaries as summaries
from spstories.storage import dashboard_tags as t
from spstories.storage.models import User

POLARITIES = ("improved", "worsened", "unchanged")


def count(n: int, threshold: int, hidden: bool = False) -> dict[str, Any]:
    """A count as sent: ``value`` (None when suppressed) and ``display`` as the page shows it."""
    if is_small(n, threshold):
        return {"value": None, "display": show_count(n, threshold)}
    if hidden:
        return {"value": None, "display": "*"}
    return {"value": n, "display": str(n)}


def outcome_counts(session: Session, user: User, filters: Filters,
                   threshold: int) -> dict[str, Any]:
    """Outcome counts for the user's organisations under ``filters`` (``by`` optional)."""
    summaries.refresh_stale(session)
    cohort = q.materialize(session, cohort_for(user, filters))
    rows = t.outcome_counts(session, cohort, filters.confirmed_only)
    coverage = t.narrative_coverage(session, cohort)
    per_group: dict[str | None, dict[tuple[str, str], tuple[int, int]]] = {}
    for group, code, polarity, n, confirmed in rows:
        key = None if group is None else str(group)
        per_group.setdefault(key, {})[(code, polarity)] = (n, confirmed)
    totals = sum_groups(per_group)
    narrative = sum(with_text for _, _, with_text, _ in coverage)
    outcomes = []
    for code in STORY_CODES_ORDER:
        for polarity in POLARITIES:
            n, confirmed = totals.get((code, polarity), (0, 0))
            outcomes.append({
                "code": code, "polarity": polarity, "clients": count(n, threshold),
                "human_confirmed": count(confirmed, threshold),
                "machine_only": count(n - confirmed, threshold),
            })
    result: dict[str, Any] = {
        "organisation_ids": list(cohort.organisation_ids),
        "start": filters.start.isoformat() if filters.start else None,
        "end": filters.end.isoformat() if filters.end else None,
        "confirmed_only": filters.confirmed_only,
        "threshold": threshold,
        "clients_with_narrative": count(narrative, threshold),
        "outcomes": outcomes,
        "by": cohort.by,
        "groups": [],
    }
    if cohort.by:
        result["groups"] = _groups(per_group, coverage, threshold)
    return result


def _groups(per_group: dict[str | None, dict[tuple[str, str], tuple[int, int]]],
            coverage: list[tuple[str | None, int, int, int]], threshold: int) -> list[dict]:
    names = sorted({str(g) for g, *_ in coverage if g is not None})
    by_name = {str(g): with_text for g, _, with_text, _ in coverage}
    narrative = [by_name.get(g, 0) for g in names]
    narrative_hidden = dict(zip(names, suppress_group(narrative, threshold), strict=True))
    cells: dict[str, list[dict[str, Any]]] = {g: [] for g in names}
    for code in STORY_CODES_ORDER:
        for polarity in POLARITIES:
            counts = [per_group.get(g, {}).get((code, polarity), (0, 0))[0] for g in names]
            for g, n, hide in zip(names, counts, suppress_group(counts, threshold),
                                  strict=True):
                cells[g].append({"code": code, "polarity": polarity,
                                 "clients": count(n, threshold, hide)})
    return [{"group": g,
             "clients_with_narrative": count(by_name.get(g, 0), threshold, narrative_hidden[g]),
             "outcomes": cells[g]} for g in names]
