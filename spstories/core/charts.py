"""Server-side SVG charts as strings: no JavaScript, no CDN, allowed by the page's CSP.

Charts carry ``role="img"``, an ``aria-label`` and a ``<title>``; every chart is shown next
to a data table with the same figures, which is what screen-reader users should read.
Colours come from CSS classes (``bar``, ``seg-improved`` …) in ``dashboard.css``: the CSP
blocks ``style=`` attributes, so geometry uses presentation attributes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LABEL_WIDTH = 190
BAR_HEIGHT = 22
GAP = 8
TOP = 8


@dataclass(frozen=True)
class Bar:
    """One labelled value; ``text`` is what is printed beside the bar (e.g. ``<5``)."""

    label: str
    value: float
    text: str | None = None


def _frame(title: str, width: int, height: int, body: list[str]) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{t}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">'
        f"<title>{t}</title>{''.join(body)}</svg>"
    )


def _label(y: float, label: str) -> str:
    return (
        f'<text class="chart-label" x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT / 2 + 4:.1f}" '
        f'text-anchor="end">{escape(label)}</text>'
    )


def bar_chart(title: str, bars: Sequence[Bar], *, width: int = 640) -> str:
    """A horizontal bar chart; bar lengths are relative to the largest value."""
    plot = width - LABEL_WIDTH - 60
    top = max((b.value for b in bars), default=0) or 1
    body: list[str] = []
    for i, bar in enumerate(bars):
        y = TOP + i * (BAR_HEIGHT + GAP)
        length = max(plot * max(bar.value, 0) / top, 0)
        text = bar.text if bar.text is not None else f"{bar.value:g}"
        body += [
            _label(y, bar.label),
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT}"><title>{escape(bar.label)}: {escape(text)}</title></rect>',
            f'<text class="chart-value" x="{LABEL_WIDTH + length + 4:.1f}" '
            f'y="{y + BAR_HEIGHT / 2 + 4:.1f}">{escape(text)}</text>',
        ]
    height = TOP * 2 + max(len(bars), 1) * (BAR_HEIGHT + GAP)
    return _frame(title, width, height, body)


@dataclass(frozen=True)
class StackedRow:
    """One row of a 100% stacked bar: ``parts`` are (css-suffix, label, share 0-1)."""

    label: str
    parts: tuple[tuple[str, str, float], ...]


def stacked_share_chart(
    title: str, rows: Sequence[StackedRow], legend: Sequence[tuple[str, str]], *, width: int = 640
) -> str:
    """Rows of 100% stacked bars (e.g. improved / no change / deteriorated), with a legend."""
    plot = width - LABEL_WIDTH - 20
    body: list[str] = []
    for i, row in enumerate(rows):
        y = TOP + i * (BAR_HEIGHT + GAP)
        body.append(_label(y, row.label))
        x = float(LABEL_WIDTH)
        for key, label, share in row.parts:
            w = plot * max(min(share, 1.0), 0.0)
            body.append(
                f'<rect class="seg seg-{escape(key)}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                f'height="{BAR_HEIGHT}"><title>{escape(row.label)}: {escape(label)} '
                f"{share:.0%}</title></rect>"
            )
            x += w
    legend_y = TOP + max(len(rows), 1) * (BAR_HEIGHT + GAP) + 4
    x = LABEL_WIDTH
    for key, label in legend:
        body.append(
            f'<rect class="seg seg-{escape(key)}" x="{x}" y="{legend_y}" width="12" height="12"/>'
            f'<text class="chart-label" x="{x + 16}" y="{legend_y + 11}">{escape(label)}</text>'
        )
        x += 20 + 8 * len(label)
    return _frame(title, width, legend_y + 24, body)
