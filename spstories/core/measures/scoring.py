"""Score one answer set exactly as the instrument's owner publishes, and classify change."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Literal

from spstories.core.measures.instruments import Direction, Instrument, Scale, ScaleMethod
from spstories.errors import MeasureError, MeasureValidationError

Change = Literal["improved", "no_change", "deteriorated"]

# Differences such as 4.1 - 1.1 come out as 2.9999999999999996 in floating point; a
# change that equals the threshold to this tolerance counts as meeting it.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Score:
    """The scored scales of one response.

    ``scales`` maps scale id to value in the instrument's order; ``primary_scale`` is the one a
    dashboard reports (None when each scale is reported on its own, as ONS4). Items left
    blank where that is allowed are in ``missing_items``; scales they prevented are in
    ``unscored_scales``.
    """

    instrument_id: str
    instrument_version: str
    scales: dict[str, float]
    primary_scale: str | None
    bands: dict[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    missing_items: tuple[str, ...] = ()
    unscored_scales: tuple[str, ...] = ()

    @property
    def primary(self) -> float | None:
        """Value of the primary scale, or None when the instrument has none."""
        return self.scales.get(self.primary_scale) if self.primary_scale else None


def validate_answers(
    instrument: Instrument, answers: Mapping[str, object]
) -> list[tuple[str | None, str]]:
    """Every problem with ``answers`` as ``(item id, message)``; empty when they can be scored.

    None means not answered. Answers must be whole numbers within the item's range; an
    instrument that ``requires_all_items`` refuses any blank item.
    """
    problems: list[tuple[str | None, str]] = []
    name = instrument.short_name
    known = set(instrument.item_ids)
    for key in answers:
        if key not in known:
            problems.append((str(key), f"{name} has no item {key!r}"))
    answered = 0
    for item in instrument.items:
        value = answers.get(item.id)
        allowed = f"answer a whole number from {item.min} to {item.max}"
        if value is None:
            if instrument.requires_all_items:
                count = len(instrument.items)
                problems.append(
                    (
                        item.id,
                        f"{name} {item.label} is missing; {name} is scored only when "
                        f"all {count} items are answered",
                    )
                )
        elif isinstance(value, bool) or not isinstance(value, Integral):
            shown = repr(value) if len(repr(value)) <= 20 else repr(value)[:17] + "..."
            problems.append((item.id, f"{name} {item.label}: {shown} is not valid; {allowed}"))
        elif not item.min <= value <= item.max:
            problems.append((item.id, f"{name} {item.label}: {value} is out of range; {allowed}"))
        else:
            answered += 1
    if not problems and answered == 0:
        problems.append((None, f"{name}: no items answered"))
    return problems


def score(instrument: Instrument, answers: Mapping[str, int | None]) -> Score:
    """Score ``answers`` (item id to answer, None when not answered).

    Raises MeasureValidationError listing every problem (each naming its item) when the
    answers cannot be scored.
    """
    problems = validate_answers(instrument, answers)
    if problems:
        raise MeasureValidationError(problems)
    values = {
        item.id: int(answers[item.id])
        for item in instrument.items
        if answers.get(item.id) is not None
    }
    scales: dict[str, float] = {}
    unscored: list[str] = []
    for scale in instrument.scales:
        value = _compute(scale, values, scales)
        if value is None:
            unscored.append(scale.id)
        else:
            scales[scale.id] = value
    if not scales:
        missing = ", ".join(item.label for item in instrument.items if item.id not in values)
        raise MeasureValidationError(
            [(None, f"{instrument.short_name}: nothing can be scored without {missing}")]
        )
    bands = {}
    for scale_id, value in scales.items():
        label = band_for(instrument, scale_id, value)
        if label is not None:
            bands[scale_id] = label
    flags = tuple(
        flag.label
        for flag in instrument.flags
        if flag.scale in scales and flag.applies(scales[flag.scale])
    )
    return Score(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        scales=scales,
        primary_scale=instrument.primary_scale,
        bands=bands,
        flags=flags,
        missing_items=tuple(item.id for item in instrument.items if item.id not in values),
        unscored_scales=tuple(unscored),
    )


def band_for(instrument: Instrument, scale_id: str, value: float) -> str | None:
    """Label of the band ``value`` falls in, or None when the scale has no bands."""
    for band in instrument.bands.get(scale_id, ()):
        if band.min <= value <= band.max:
            return band.label
    return None


def classify_change(
    instrument: Instrument,
    scale: str,
    baseline: float,
    follow_up: float,
    threshold: float | None = None,
) -> Change:
    """Improved, no change or deteriorated between two scores on one scale.

    A change counts when it is at least ``threshold`` (default: the scale's
    ``meaningful_change``) in the better or worse direction for that scale.
    """
    definition = instrument.scale(scale)
    if threshold is None:
        threshold = instrument.meaningful_change.get(scale)
        if threshold is None:
            raise MeasureError(
                f"{instrument.short_name} {scale} has no default meaningful-change threshold;"
                " pass threshold="
            )
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or not (math.isfinite(threshold) and threshold > 0)
    ):
        raise MeasureError(f"threshold must be a number above 0, got {threshold!r}")
    for label, value in (("baseline", baseline), ("follow-up", follow_up)):
        if (
            isinstance(value, bool)
            or not isinstance(value, Real)
            or not (definition.min - _TOLERANCE <= value <= definition.max + _TOLERANCE)
        ):
            raise MeasureError(
                f"{label} {value!r} is not a possible {instrument.short_name} {scale} score "
                f"({definition.min:g} to {definition.max:g})"
            )
    change = follow_up - baseline
    if definition.direction is Direction.LOWER_IS_BETTER:
        change = -change
    if change >= threshold - _TOLERANCE:
        return "improved"
    if change <= -threshold + _TOLERANCE:
        return "deteriorated"
    return "no_change"


def _compute(scale: Scale, values: Mapping[str, int], done: Mapping[str, float]) -> float | None:
    """One scale's value, or None when an item or source scale it needs is missing."""
    if scale.method in (ScaleMethod.SUM, ScaleMethod.MEAN, ScaleMethod.ITEM):
        if any(item_id not in values for item_id in scale.items):
            return None
        total = sum(values[item_id] for item_id in scale.items)
        return total / len(scale.items) if scale.method is ScaleMethod.MEAN else float(total)
    if scale.source not in done:
        return None
    source = done[scale.source]
    if scale.method is ScaleMethod.MULTIPLY and scale.factor is not None:
        return source * scale.factor
    if scale.method is ScaleMethod.TABLE and scale.table is not None:
        return float(scale.table[int(source)])
    raise MeasureError(f"scale {scale.id!r} is incompletely defined")  # the loader prevents this
