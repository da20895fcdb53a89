"""Timepoints, administration modes and the baseline/follow-up pairing rule.

A response is any plain object or mapping with ``timepoint`` ("baseline", "review 2",
"exit"), ``date`` (a date, datetime or ISO string), ``modified`` (bool) and ``scales``
(a mapping of scale id to score). ``review_number`` may carry the review number instead
of writing it into ``timepoint``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Generic, TypeVar

from spstories.errors import MeasureError

TIMEPOINTS: tuple[str, ...] = ("baseline", "review", "exit")
ADMINISTRATION_MODES: tuple[str, ...] = ("self_completed", "read_aloud", "phone")

_REVIEW = re.compile(r"review[ _-]?(\d+)")
_MISSING = object()

R = TypeVar("R")


@dataclass(frozen=True)
class Timepoint:
    """A parsed timepoint: ``kind`` is one of TIMEPOINTS; ``number`` is set for reviews only."""

    kind: str
    number: int | None = None

    def __str__(self) -> str:
        return f"review {self.number}" if self.kind == "review" else self.kind


def parse_timepoint(value: str, number: int | None = None) -> Timepoint:
    """Parse "baseline", "exit", "review 2" (or "review" with ``number``) into a Timepoint."""
    if not isinstance(value, str):
        raise MeasureError(f"timepoint must be text, got {value!r}")
    text = value.strip().lower()
    if text in ("baseline", "exit"):
        if number is not None:
            raise MeasureError(f"timepoint {value!r} takes no review number")
        return Timepoint(text)
    match = _REVIEW.fullmatch(text)
    if match:
        written = int(match.group(1))
        if number is not None and number != written:
            raise MeasureError(f"timepoint {value!r} disagrees with review number {number}")
        number = written
    elif text != "review":
        raise MeasureError(
            f"unknown timepoint {value!r}: use baseline, review 1, review 2, ... or exit"
        )
    if number is None or isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise MeasureError(
            f"a review needs a number from 1 up (review 1, review 2), got {number!r}"
        )
    return Timepoint("review", number)


@dataclass(frozen=True)
class Pairing(Generic[R]):
    """Result of pairing one client's responses to one instrument.

    ``baseline`` and ``follow_up`` are the original response objects, or None with
    ``reason`` saying why there is no pair. ``excluded_modified`` counts modified
    responses left out (always 0 when they were included).
    """

    baseline: R | None
    follow_up: R | None
    excluded_modified: int = 0
    reason: str | None = None

    @property
    def paired(self) -> bool:
        """True when both a baseline and a follow-up were found."""
        return self.baseline is not None and self.follow_up is not None

    @property
    def modified(self) -> bool:
        """True when either member of the pair was a modified administration."""
        return any(
            response is not None and bool(_get(response, "modified", False))
            for response in (self.baseline, self.follow_up)
        )


def pair_baseline_follow_up(
    responses: Iterable[R], *, scale: str | None = None, include_modified: bool = False
) -> Pairing[R]:
    """Pick the baseline and follow-up to compare for one client and one instrument.

    Rule: ignore responses that lack ``scale`` (when given); leave out modified
    administrations unless ``include_modified`` (counting them); the baseline is the
    earliest-dated baseline; the follow-up must be dated after it and is the latest
    exit if there is one, otherwise the latest-dated review (the higher review number
    on the same date). Ties (same date, and for reviews the same number) go to the
    baseline listed first and the follow-up listed last: pass responses in the order they
    were recorded, so a follow-up entered again on the same day replaces the earlier entry.
    The dashboard's SQL pairing (``storage.dashboard_summaries``) follows the same rule,
    with the response id as the recording order.
    """
    eligible: list[tuple[R, Timepoint, datetime, int]] = []
    excluded = 0
    for position, response in enumerate(responses):
        if scale is not None and scale not in (_get(response, "scales", None) or {}):
            continue
        if bool(_get(response, "modified", False)) and not include_modified:
            excluded += 1
            continue
        timepoint = parse_timepoint(
            _get(response, "timepoint"), _get(response, "review_number", None)
        )
        eligible.append(
            (response, timepoint, _as_datetime(_get(response, "date")), position)
        )

    baselines = [entry for entry in eligible if entry[1].kind == "baseline"]
    if not baselines:
        return Pairing(None, None, excluded, "no baseline")
    baseline, _, start, _ = min(baselines, key=lambda entry: (entry[2], entry[3]))

    later = [entry for entry in eligible if entry[1].kind != "baseline" and entry[2] > start]
    exits = [entry for entry in later if entry[1].kind == "exit"]
    if exits:
        follow_up = max(exits, key=lambda entry: (entry[2], entry[3]))[0]
    elif later:
        follow_up = max(later, key=lambda e: (e[2], e[1].number or 0, e[3]))[0]
    else:
        return Pairing(baseline, None, excluded, "no follow-up after the baseline")
    return Pairing(baseline, follow_up, excluded, None)


def _get(obj: Any, name: str, default: Any = _MISSING) -> Any:
    """Read ``name`` from a mapping or an attribute, failing clearly when required."""
    value = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    if value is _MISSING:
        raise MeasureError(f"response has no {name!r}")
    return value


def _as_datetime(value: Any) -> datetime:
    """Normalise a date, datetime or ISO string so responses can be ordered."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise MeasureError(f"response date {value!r} is not an ISO date") from None
    if isinstance(value, datetime):
        # Aware times are compared in UTC so naive and aware dates can be mixed.
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    raise MeasureError(f"response date must be a date, got {value!r}")
