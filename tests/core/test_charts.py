"""SVG charts: accessible, escaped, proportional, and free of style attributes (CSP)."""

from __future__ import annotations

from lxml import etree

from spstories.core.charts import Bar, StackedRow, bar_chart, stacked_share_chart

NS = {"s": "http://www.w3.org/2000/svg"}


def test_bar_chart_is_accessible_and_proportional():
    svg = bar_chart("Referrals <by> source", [Bar("GP", 40), Bar("Self & other", 10, "<5")])
    root = etree.fromstring(svg.encode())
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Referrals <by> source"
    assert root.find("s:title", NS).text == "Referrals <by> source"
    widths = [float(r.get("width")) for r in root.findall("s:rect", NS)]
    assert widths[0] == 4 * widths[1]
    texts = [t.text for t in root.findall("s:text", NS)]
    assert "Self & other" in texts and "<5" in texts
    assert "style=" not in svg


def test_stacked_chart_segments_fill_the_row_by_share():
    svg = stacked_share_chart(
        "Change",
        [StackedRow("SWEMWBS", (("improved", "Improved", 0.5), ("no_change", "Same", 0.25),
                                ("deteriorated", "Worse", 0.25)))],
        [("improved", "Improved"), ("no_change", "Same"), ("deteriorated", "Worse")],
    )
    root = etree.fromstring(svg.encode())
    segments = [r for r in root.findall("s:rect", NS) if r.find("s:title", NS) is not None]
    widths = [float(r.get("width")) for r in segments]
    assert widths[0] == 2 * widths[1] == 2 * widths[2]
    assert segments[0].get("class") == "seg seg-improved"
    assert "style=" not in svg


def test_empty_chart_is_still_valid_svg():
    root = etree.fromstring(bar_chart("Nothing", []).encode())
    assert root.tag.endswith("svg")
