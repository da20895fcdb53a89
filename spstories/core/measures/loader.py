"""Read instrument definitions from YAML and validate them field by field.

The shipped file is ``spstories/core/data/instruments.yaml``; a scheme's own file has the
same shape (see docs/measures.md). Every error names the file, the instrument and the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from spstories.core.measures._fields import FieldContext
from spstories.core.measures._scales import parse_scales
from spstories.core.measures.instruments import (
    Direction,
    Flag,
    Instrument,
    Item,
    MeasureDefinitionError,
    Scale,
    ScaleMethod,
    ScoringKind,
)
from spstories.core.measures.timepoints import TIMEPOINTS
from spstories.errors import MeasureError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SHIPPED_INSTRUMENTS = DATA_DIR / "instruments.yaml"
SCHEMA_VERSION = 1

# fmt: off
_INSTRUMENT_KEYS = frozenset((
    "id", "name", "short_name", "version", "scoring", "direction", "requires_all_items",
    "primary_scale", "item_range", "items", "scales", "flags", "timepoints", "licence_note",
    "reference",
))
# fmt: on


def load_instruments(extra_paths: Sequence[Path] = ()) -> dict[str, Instrument]:
    """Shipped instruments (parsed once per process) merged with a scheme's own files.

    An extra file may not reuse the id of a shipped instrument or of one in an earlier file:
    shipped scoring cannot be changed by accident.
    """
    instruments = dict(_shipped())
    for path in extra_paths:
        for instrument in load_instrument_file(Path(path), custom=True):
            if instrument.id in instruments:
                raise MeasureDefinitionError(
                    f"already defined in {instruments[instrument.id].source}; choose another id",
                    path=str(path),
                    instrument=instrument.id,
                    field="id",
                )
            instruments[instrument.id] = instrument
    return instruments


def get_instrument(instrument_id: str, extra_paths: Sequence[Path] = ()) -> Instrument:
    """One instrument by id; MeasureError naming the known ids if it is unknown."""
    instruments = load_instruments(extra_paths)
    try:
        return instruments[instrument_id]
    except KeyError:
        known = ", ".join(sorted(instruments))
        raise MeasureError(f"unknown instrument {instrument_id!r} (known: {known})") from None


@cache
def _shipped() -> Mapping[str, Instrument]:
    instruments = load_instrument_file(SHIPPED_INSTRUMENTS)
    return MappingProxyType({instrument.id: instrument for instrument in instruments})


def load_instrument_file(path: Path, *, custom: bool = False) -> list[Instrument]:
    """Parse and validate one instruments file; ``custom`` marks a scheme's own file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MeasureDefinitionError(f"cannot read it: {exc.strerror}", path=str(path)) from None
    except yaml.YAMLError as exc:
        raise MeasureDefinitionError(f"not valid YAML: {exc}", path=str(path)) from None
    file = FieldContext(str(path), None)
    top = {"schema_version", "instruments"}
    file.check_keys(data, None, top, top)
    if data["schema_version"] != SCHEMA_VERSION:
        file.fail("schema_version", f"must be {SCHEMA_VERSION}, got {data['schema_version']!r}")
    entries = data["instruments"]
    if not isinstance(entries, list) or not entries:
        file.fail("instruments", "must be a non-empty list")
    result: list[Instrument] = []
    for index, raw in enumerate(entries):
        ident = raw.get("id") if isinstance(raw, dict) else None
        ctx = FieldContext(str(path), ident if isinstance(ident, str) else f"#{index + 1}")
        instrument = _parse_instrument(raw, ctx, custom=custom)
        if any(earlier.id == instrument.id for earlier in result):
            ctx.fail("id", "defined twice in this file")
        result.append(instrument)
    return result


def _parse_instrument(raw: Any, ctx: FieldContext, *, custom: bool) -> Instrument:
    required = {"id", "name", "version", "scoring", "direction", "items"}
    if not custom:
        required |= {"short_name", "licence_note", "reference"}
    ctx.check_keys(raw, None, _INSTRUMENT_KEYS, required)
    ident = ctx.ident(raw["id"], "id")
    version = raw["version"]
    if isinstance(version, bool) or not isinstance(version, str | int) or not str(version):
        ctx.fail("version", f'must be text such as "1" (quote it), got {version!r}')
    scoring = ctx.choice(raw["scoring"], "scoring", ScoringKind)
    direction = ctx.choice(raw["direction"], "direction", Direction)
    items = _parse_items(raw, ctx)
    scale_entries = raw.get("scales", _default_scale_entries(ident, scoring, items))
    scales, bands, thresholds = parse_scales(scale_entries, ctx, items, direction)
    items = tuple(_with_scale(item, scales) for item in items)
    used = {item_id for scale in scales for item_id in scale.items}
    for index, item in enumerate(items):
        if item.id not in used:
            ctx.fail(f"items[{index}].id", f"item {item.id!r} is in no scale")

    scale_ids = [scale.id for scale in scales]
    if "primary_scale" in raw:
        primary = raw["primary_scale"]
    else:
        primary = _default_primary(scoring, scales, ctx)
    if primary is not None and primary not in scale_ids:
        ctx.fail("primary_scale", f"no scale {primary!r} (scales: {', '.join(scale_ids)})")
    requires_all = raw.get("requires_all_items", scoring is not ScoringKind.PER_ITEM)
    if not isinstance(requires_all, bool):
        ctx.fail("requires_all_items", f"must be true or false, got {requires_all!r}")
    optional_text = {
        key: ctx.text(raw[key], key) if key in raw else "" for key in ("licence_note", "reference")
    }
    return Instrument(
        id=ident,
        name=ctx.text(raw["name"], "name"),
        short_name=ctx.text(raw.get("short_name", raw["name"]), "short_name"),
        version=str(version),
        items=items,
        scoring=scoring,
        direction=direction,
        scales=scales,
        bands=MappingProxyType(bands),
        meaningful_change=MappingProxyType(thresholds),
        requires_all_items=requires_all,
        licence_note=optional_text["licence_note"],
        primary_scale=primary,
        flags=_parse_flags(raw.get("flags", []), ctx, scale_ids),
        timepoints=_parse_timepoints(raw.get("timepoints", list(TIMEPOINTS)), ctx),
        reference=optional_text["reference"],
        source=ctx.path,
        custom=custom,
    )


def _parse_items(raw: Mapping[str, Any], ctx: FieldContext) -> tuple[Item, ...]:
    default: list[Any] = [None, None]
    if "item_range" in raw:
        default = raw["item_range"]
        if not isinstance(default, list) or len(default) != 2:
            ctx.fail("item_range", f"must be [min, max], got {default!r}")
    entries = raw["items"]
    if not isinstance(entries, list) or not entries:
        ctx.fail("items", "must be a non-empty list")
    items: list[Item] = []
    for index, entry in enumerate(entries):
        where = f"items[{index}]"
        ctx.check_keys(entry, where, {"id", "label", "min", "max"}, {"id", "label"})
        item_id = ctx.ident(entry["id"], f"{where}.id")
        if any(item.id == item_id for item in items):
            ctx.fail(f"{where}.id", f"item {item_id!r} is defined twice")
        low = entry.get("min", default[0])
        high = entry.get("max", default[1])
        if low is None or high is None:
            ctx.fail(f"{where}.min", "give min and max here, or item_range for the instrument")
        low, high = ctx.integer(low, f"{where}.min"), ctx.integer(high, f"{where}.max")
        if low >= high:
            ctx.fail(f"{where}.max", f"must be greater than min ({low}), got {high}")
        items.append(Item(item_id, ctx.text(entry["label"], f"{where}.label"), low, high))
    return tuple(items)


def _default_scale_entries(
    ident: str, scoring: ScoringKind, items: tuple[Item, ...]
) -> list[dict[str, Any]]:
    """Without ``scales``: one scale per item (per_item), or one ``<id>_total``/``<id>_mean``."""
    if scoring is ScoringKind.PER_ITEM:
        return [{"id": it.id, "label": it.label, "method": "item", "item": it.id} for it in items]
    suffix, label = ("total", "Total") if scoring is ScoringKind.SUM else ("mean", "Mean")
    return [{"id": f"{ident}_{suffix}", "label": label, "method": scoring.value, "items": "all"}]


def _parse_flags(raw: Any, ctx: FieldContext, scale_ids: Sequence[str]) -> tuple[Flag, ...]:
    if not isinstance(raw, list):
        ctx.fail("flags", "must be a list")
    flags = []
    for index, entry in enumerate(raw):
        where = f"flags[{index}]"
        ctx.check_keys(entry, where, {"label", "scale", "below", "above"}, {"label", "scale"})
        if ("below" in entry) == ("above" in entry):
            ctx.fail(where, "give exactly one of 'below' or 'above'")
        if entry["scale"] not in scale_ids:
            ctx.fail(f"{where}.scale", f"no scale {entry['scale']!r}")
        cut = {
            key: ctx.number(entry[key], f"{where}.{key}")
            for key in ("below", "above")
            if key in entry
        }
        flags.append(Flag(ctx.text(entry["label"], f"{where}.label"), entry["scale"], **cut))
    return tuple(flags)


def _parse_timepoints(raw: Any, ctx: FieldContext) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or any(value not in TIMEPOINTS for value in raw):
        ctx.fail("timepoints", f"must be a list drawn from {', '.join(TIMEPOINTS)}, got {raw!r}")
    return tuple(value for value in TIMEPOINTS if value in raw)


def _default_primary(
    scoring: ScoringKind, scales: tuple[Scale, ...], ctx: FieldContext
) -> str | None:
    """Per-item instruments report each scale; a sum or mean with one scale reports it."""
    if scoring is ScoringKind.PER_ITEM:
        return None
    if len(scales) > 1:
        ctx.fail("primary_scale", "is required when a sum or mean instrument has several scales")
    return scales[0].id


def _with_scale(item: Item, scales: tuple[Scale, ...]) -> Item:
    for scale in scales:
        if scale.method is ScaleMethod.ITEM and scale.items == (item.id,):
            return Item(item.id, item.label, item.min, item.max, scale.id)
    return item
