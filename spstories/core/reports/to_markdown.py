"""A report as Markdown with footnotes (``[^1]``), tables as pipe tables.

Saved versions store it without charts (the tables carry the figures, and diffs stay
readable); the Markdown export embeds each chart as an SVG data URI image.
"""

from __future__ import annotations

import base64

from spstories.core.reports.charts import chart_svg
from spstories.core.reports.model import Block, Report


def _cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _ref(report: Report, block: Block) -> str:
    n = report.note_number(block)
    return f"[^{n}]" if n else ""


def _table(report: Report, b: Block, embed_charts: bool) -> list[str]:
    lines = [f"### {b.title}{_ref(report, b)}", ""]
    if embed_charts and b.chart is not None:
        data = base64.b64encode(chart_svg(b.chart).encode()).decode()
        lines += [f"![{b.chart.title}](data:image/svg+xml;base64,{data})", ""]
    lines.append("| " + " | ".join(_cell(c) for c in b.columns) + " |")
    lines.append("|" + "|".join("---" for _ in b.columns) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in b.rows]
    if b.caption:
        lines += ["", f"*{b.caption}*"]
    return [*lines, ""]


def _quote(text: str) -> list[str]:
    return ["> " + line if line else ">" for line in text.strip().splitlines()]


def to_markdown(report: Report, *, embed_charts: bool = False) -> str:
    """The whole report as Markdown; footnotes say what each figure counts."""
    lines = [f"# {report.title}", ""]
    if report.subtitle:
        lines += [f"*{report.subtitle}*", ""]
    for b in report.blocks:
        if b.kind == "heading":
            lines += [f"{'#' * max(2, min(b.level, 6))} {b.text}", ""]
        elif b.kind == "text":
            lines += [b.text.strip() + _ref(report, b), ""]
        elif b.kind == "table":
            lines += _table(report, b, embed_charts)
        elif b.kind == "quote":
            lines += [*_quote(b.text), ">", f"> — {b.attribution}{_ref(report, b)}", ""]
        elif b.kind == "case_study":
            lines += [f"### {b.title}{_ref(report, b)}", "", b.text.strip(), ""]
    notes = report.notes()
    lines += [f"[^{i}]: {_cell(note)}" for i, note in enumerate(notes, 1)]
    return "\n".join(lines).rstrip() + "\n"
