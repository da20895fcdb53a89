"""Report charts as SVG (for HTML and Markdown), drawn by ``core.charts``."""

from __future__ import annotations

from spstories.core import charts
from spstories.core.reports.model import Chart

# Standalone files cannot use the app's stylesheet, so the chart classes are styled here;
# the colours are the dashboard's (WCAG AA against white).
CHART_CSS = """
svg.chart { max-width: 40rem; display: block; margin: 0.5rem 0 1rem; }
.chart-label, .chart-value { font: 12px sans-serif; fill: #222; }
.bar { fill: #1d70b8; }
.seg-improved { fill: #00703c; } .seg-no_change { fill: #b1b4b6; }
.seg-deteriorated { fill: #d4351c; }
"""


def chart_svg(chart: Chart) -> str:
    """The chart as an inline SVG element, with presentation attributes as a fallback."""
    if chart.kind == "share":
        svg = charts.stacked_share_chart(
            chart.title,
            [charts.StackedRow(label, parts) for label, parts in chart.rows],
            chart.legend,
        )
    else:
        svg = charts.bar_chart(chart.title, [charts.Bar(b.label, b.value, b.text)
                                             for b in chart.bars])
    # Markdown viewers show the SVG as an image, without CSS: fill the bars anyway.
    return (svg.replace('class="bar"', 'class="bar" fill="#1d70b8"')
            .replace('class="seg seg-improved"', 'class="seg seg-improved" fill="#00703c"')
            .replace('class="seg seg-no_change"', 'class="seg seg-no_change" fill="#b1b4b6"')
            .replace('class="seg seg-deteriorated"',
                     'class="seg seg-deteriorated" fill="#d4351c"'))
