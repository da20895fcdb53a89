"""What a researcher reads from a run: topics with terms, size, examples, time and codes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from spstories.core.topics.corpus import Unit
from spstories.core.topics.model import Fitted

OUTLIER = -1


@dataclass(frozen=True)
class TopicSummary:
    """One topic (``number`` -1 holds the outliers, which belong to no topic)."""

    number: int
    label: str
    terms: list[tuple[str, float]]
    size: int
    representatives: list[dict[str, Any]]
    over_time: dict[str, int] = field(default_factory=dict)
    code_overlap: dict[str, int] = field(default_factory=dict)

    def to_dict(self, *, with_text: bool = True) -> dict[str, Any]:
        data = asdict(self)
        data["terms"] = [[w, s] for w, s in self.terms]
        if not with_text:
            data["representatives"] = [{"id": r["id"]} for r in self.representatives]
        return data


def month(unit: Unit) -> str | None:
    return unit.on.strftime("%Y-%m") if unit.on else None


def label_for(terms: Sequence[tuple[str, float]], n: int = 3) -> str:
    """A provisional label from the top terms, e.g. ``allotment / garden / digging``."""
    words = [w for w, _ in terms[:n]]
    return " / ".join(words) if words else "(no distinctive terms)"


def summarise(units: Sequence[Unit], fitted: Fitted,
              codes: Mapping[str, set[str]] | None = None) -> list[TopicSummary]:
    """Topics largest first, then the outliers (if any) as the last row."""
    codes = codes or {}
    members: dict[int, list[int]] = {}
    for i, topic in enumerate(fitted.assignments):
        members.setdefault(topic, []).append(i)
    summaries = []
    for topic, indices in members.items():
        terms = [] if topic == OUTLIER else fitted.terms.get(topic, [])
        times = Counter(m for m in (month(units[i]) for i in indices) if m)
        overlap = Counter(c for i in indices for c in codes.get(units[i].id, ()))
        reps = fitted.representatives.get(topic, indices[:5])
        summaries.append(TopicSummary(
            number=topic,
            label="Outliers (no topic)" if topic == OUTLIER else label_for(terms),
            terms=terms,
            size=len(indices),
            representatives=[{"id": units[i].id, "text": units[i].text} for i in reps],
            over_time=dict(sorted(times.items())),
            code_overlap=dict(overlap.most_common()),
        ))
    # BERTopic numbers topics largest first; the outliers go last, as a row of their own.
    summaries.sort(key=lambda s: (s.number == OUTLIER, s.number))
    return summaries
