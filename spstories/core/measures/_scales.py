"""Reading the ``scales`` of an instrument definition: methods, tables, bands, thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any

from spstories.core.measures._fields import FieldContext
from spstories.core.measures.instruments import Band, Direction, Item, Scale, ScaleMethod

# fmt: off
_SCALE_KEYS = frozenset((
    "id", "label", "method", "items", "item", "source", "table", "factor", "direction", "bands",
    "meaningful_change",
))
# fmt: on
_METHOD_KEYS = {
    ScaleMethod.SUM: {"items"},
    ScaleMethod.MEAN: {"items"},
    ScaleMethod.ITEM: {"item"},
    ScaleMethod.TABLE: {"source", "table"},
    ScaleMethod.MULTIPLY: {"source", "factor"},
}


def parse_scales(
    entries: Any, ctx: FieldContext, items: tuple[Item, ...], default_direction: Direction
) -> tuple[tuple[Scale, ...], dict[str, tuple[Band, ...]], dict[str, float]]:
    """Scales in order (a derived scale may use only scales above it), bands and thresholds."""
    if not isinstance(entries, list) or not entries:
        ctx.fail("scales", "must be a non-empty list")
    scales: dict[str, Scale] = {}
    bands: dict[str, tuple[Band, ...]] = {}
    thresholds: dict[str, float] = {}
    for index, entry in enumerate(entries):
        ctx.check_keys(entry, f"scales[{index}]", _SCALE_KEYS, {"id", "label", "method"})
        scale_id = ctx.ident(entry["id"], f"scales[{index}].id")
        where = f"scales.{scale_id}"
        if scale_id in scales:
            ctx.fail(f"{where}.id", "scale defined twice")
        scale = _build_scale(entry, ctx, where, default_direction, items, scales)
        scales[scale_id] = scale
        if "bands" in entry:
            bands[scale_id] = _parse_bands(entry["bands"], ctx, f"{where}.bands", scale)
        if "meaningful_change" in entry:
            threshold = ctx.number(entry["meaningful_change"], f"{where}.meaningful_change")
            width = scale.max - scale.min
            if not 0 < threshold <= width:
                ctx.fail(
                    f"{where}.meaningful_change",
                    f"must be above 0 and at most the scale's width ({width:g}), got {threshold:g}",
                )
            thresholds[scale_id] = threshold
    return tuple(scales.values()), bands, thresholds


def _build_scale(
    entry: Mapping[str, Any],
    ctx: FieldContext,
    where: str,
    default_direction: Direction,
    items: tuple[Item, ...],
    earlier: Mapping[str, Scale],
) -> Scale:
    method = ctx.choice(entry["method"], f"{where}.method", ScaleMethod)
    for key in ("items", "item", "source", "table", "factor"):
        if (key in entry) != (key in _METHOD_KEYS[method]):
            problem = "is required" if key in _METHOD_KEYS[method] else "does not apply"
            ctx.fail(f"{where}.{key}", f"{problem} for method {method.value}")
    make = partial(
        Scale,
        id=entry["id"],
        label=ctx.text(entry["label"], f"{where}.label"),
        method=method,
        direction=ctx.choice(
            entry.get("direction", default_direction.value), f"{where}.direction", Direction
        ),
    )
    by_id = {item.id: item for item in items}
    if method in (ScaleMethod.SUM, ScaleMethod.MEAN):
        chosen = _scale_items(entry["items"], ctx, f"{where}.items", by_id)
        low, high = sum(item.min for item in chosen), sum(item.max for item in chosen)
        if method is ScaleMethod.MEAN:
            return make(
                min=low / len(chosen),
                max=high / len(chosen),
                integer_valued=False,
                items=tuple(item.id for item in chosen),
            )
        return make(
            min=float(low),
            max=float(high),
            integer_valued=True,
            items=tuple(item.id for item in chosen),
        )
    if method is ScaleMethod.ITEM:
        item = by_id.get(ctx.ident(entry["item"], f"{where}.item"))
        if item is None:
            ctx.fail(f"{where}.item", f"no item {entry['item']!r}")
        return make(min=float(item.min), max=float(item.max), integer_valued=True, items=(item.id,))

    source = earlier.get(ctx.ident(entry["source"], f"{where}.source"))
    if source is None:
        ctx.fail(f"{where}.source", f"must name a scale defined above, got {entry['source']!r}")
    if method is ScaleMethod.MULTIPLY:
        factor = ctx.number(entry["factor"], f"{where}.factor")
        if factor <= 0:
            ctx.fail(f"{where}.factor", f"must be above 0, got {factor:g}")
        return make(
            min=source.min * factor,
            max=source.max * factor,
            source=source.id,
            integer_valued=source.integer_valued and factor.is_integer(),
            factor=factor,
        )
    if not source.integer_valued:
        ctx.fail(f"{where}.source", f"a table needs a whole-number source; {source.id} is not")
    table = _parse_table(entry["table"], ctx, f"{where}.table", source)
    values = table.values()
    return make(
        min=min(values),
        max=max(values),
        source=source.id,
        integer_valued=all(v.is_integer() for v in values),
        table=MappingProxyType(table),
    )


def _scale_items(
    value: Any, ctx: FieldContext, where: str, by_id: Mapping[str, Item]
) -> tuple[Item, ...]:
    if value == "all":
        return tuple(by_id.values())
    if not isinstance(value, list) or not value:
        ctx.fail(where, f"must be 'all' or a non-empty list of item ids, got {value!r}")
    for item_id in value:
        if not isinstance(item_id, str) or item_id not in by_id:
            ctx.fail(where, f"no item {item_id!r}")
    if len(set(value)) != len(value):
        ctx.fail(where, "an item is listed twice")
    return tuple(by_id[item_id] for item_id in value)


def _parse_table(raw: Any, ctx: FieldContext, where: str, source: Scale) -> dict[int, float]:
    """A conversion table must give a value for every whole number the source can take."""
    if not isinstance(raw, dict):
        ctx.fail(where, "must map each source score to its converted value")
    low, high = int(source.min), int(source.max)
    table: dict[int, float] = {}
    for key, value in raw.items():
        if isinstance(key, bool) or not isinstance(key, int) or not low <= key <= high:
            ctx.fail(where, f"key {key!r} is not a possible {source.id} score ({low}-{high})")
        table[key] = ctx.number(value, f"{where}[{key}]")
    missing = [str(raw_score) for raw_score in range(low, high + 1) if raw_score not in table]
    if missing:
        ctx.fail(where, f"no value for {source.id} score(s) {', '.join(missing)}")
    return dict(sorted(table.items()))


def _parse_bands(raw: Any, ctx: FieldContext, where: str, scale: Scale) -> tuple[Band, ...]:
    """Bands run upwards and cover the scale with no gap or overlap.

    On whole-number scales each band starts one above the previous maximum; on other
    scales it starts at the previous maximum, and that edge value stays in the lower band.
    """
    if not isinstance(raw, list) or not raw:
        ctx.fail(where, "must be a non-empty list")
    parse = ctx.integer if scale.integer_valued else ctx.number
    step = 1 if scale.integer_valued else 0
    bands: list[Band] = []
    for index, entry in enumerate(raw):
        here = f"{where}[{index}]"
        ctx.check_keys(entry, here, {"label", "min", "max"}, {"label", "min", "max"})
        low = float(parse(entry["min"], f"{here}.min"))
        high = float(parse(entry["max"], f"{here}.max"))
        if low > high:
            ctx.fail(f"{here}.max", f"must be at least min ({low:g}), got {high:g}")
        expected = bands[-1].max + step if bands else scale.min
        if low != expected:
            ctx.fail(
                f"{here}.min",
                f"must be {expected:g} so the bands cover {scale.id} "
                f"with no gap or overlap, got {low:g}",
            )
        bands.append(Band(ctx.text(entry["label"], f"{here}.label"), low, high))
    if bands[-1].max != scale.max:
        ctx.fail(
            f"{where}[{len(bands) - 1}].max",
            f"the last band must end at {scale.max:g}, the top of {scale.id}",
        )
    return tuple(bands)
