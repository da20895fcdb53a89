"""Outcome-measure instruments as plain, frozen values.

Definitions are data (``spstories/core/data/instruments.yaml``, read by ``loader``); nothing
here knows about files. Item labels are neutral names, never licensed question wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from spstories.core.measures.timepoints import TIMEPOINTS
from spstories.errors import MeasureError, SpstoriesError


class Direction(StrEnum):
    """Which way is better on a scale."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class ScoringKind(StrEnum):
    """How an instrument is scored overall."""

    SUM = "sum"
    MEAN = "mean"
    PER_ITEM = "per_item"


class ScaleMethod(StrEnum):
    """How one scale is computed: from items (sum, mean, item) or from another scale."""

    SUM = "sum"
    MEAN = "mean"
    ITEM = "item"
    TABLE = "table"
    MULTIPLY = "multiply"


class MeasureDefinitionError(SpstoriesError):
    """An instrument or SNOMED mapping file is invalid; names the file, instrument and field."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        instrument: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path, self.instrument, self.field = path, instrument, field
        where = ", ".join(
            part
            for part in (
                path and f"file {path}",
                instrument and f"instrument {instrument!r}",
                field and f"field {field!r}",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Item:
    """One question, by id and neutral label (never licensed wording), with its answer range."""

    id: str
    label: str
    min: int
    max: int
    scale: str | None = None  # the per-item scale this item is reported as, if any


@dataclass(frozen=True)
class Band:
    """A named band of a scale, inclusive at both ends."""

    label: str
    min: float
    max: float


@dataclass(frozen=True)
class Flag:
    """A label raised when a scale is strictly below or above a cut-off."""

    label: str
    scale: str
    below: float | None = None
    above: float | None = None

    def applies(self, value: float) -> bool:
        """True when ``value`` crosses this flag's cut-off."""
        if self.below is not None:
            return value < self.below
        return self.above is not None and value > self.above


@dataclass(frozen=True)
class Scale:
    """One reported score: computed from items or derived from an earlier scale."""

    id: str
    label: str
    method: ScaleMethod
    direction: Direction
    min: float
    max: float
    integer_valued: bool
    items: tuple[str, ...] = ()
    source: str | None = None
    table: Mapping[int, float] | None = None
    factor: float | None = None

    def __hash__(self) -> int:
        return hash((self.id, self.method, self.items, self.source))


@dataclass(frozen=True)
class Instrument:
    """One instrument definition. ``bands`` and ``meaningful_change`` are keyed by scale id."""

    id: str
    name: str
    short_name: str
    version: str
    items: tuple[Item, ...]
    scoring: ScoringKind
    direction: Direction
    scales: tuple[Scale, ...]
    bands: Mapping[str, tuple[Band, ...]]
    meaningful_change: Mapping[str, float]
    requires_all_items: bool
    licence_note: str
    primary_scale: str | None
    flags: tuple[Flag, ...] = ()
    timepoints: tuple[str, ...] = TIMEPOINTS
    reference: str = ""
    source: str = ""
    custom: bool = False

    def __hash__(self) -> int:
        return hash((self.id, self.version))

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in administration order."""
        return tuple(item.id for item in self.items)

    @property
    def scale_ids(self) -> tuple[str, ...]:
        """Scale ids in computation order."""
        return tuple(scale.id for scale in self.scales)

    def item(self, item_id: str) -> Item:
        """The item with this id; MeasureError if there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise MeasureError(f"{self.short_name} has no item {item_id!r}", item=item_id)

    def scale(self, scale_id: str) -> Scale:
        """The scale with this id; MeasureError if there is none."""
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise MeasureError(
            f"{self.short_name} has no scale {scale_id!r} (scales: {', '.join(self.scale_ids)})"
        )

    def direction_of(self, scale_id: str) -> Direction:
        """Direction of one scale (ONS4 anxiety is lower-is-better, the rest higher)."""
        return self.scale(scale_id).direction
