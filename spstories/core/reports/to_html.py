"""A report as one standalone HTML file: stylesheet and SVG charts inline, works offline.

Everything from the data is escaped; text a person wrote goes through the sanitising
Markdown renderer, so a report cannot carry script into a commissioner's browser.
"""

from __future__ import annotations

from html import escape

from spstories.core.markdown import render_markdown
from spstories.core.reports.charts import CHART_CSS, chart_svg
from spstories.core.reports.model import Block, Report

STYLE = """
body { font: 16px/1.5 Georgia, "Times New Roman", serif; color: #111; max-width: 50rem;
       margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3 { font-family: Arial, Helvetica, sans-serif; line-height: 1.25; }
.subtitle { color: #444; font-style: italic; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font: 14px Arial, sans-serif; }
th, td { border: 1px solid #b1b4b6; padding: 0.25rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f3f2f1; }
blockquote { border-left: 4px solid #1d70b8; margin: 1rem 0; padding: 0.25rem 1rem; }
.attribution { color: #444; font-size: 0.9rem; }
.caption { font-size: 0.9rem; color: #444; }
.notes { font-size: 0.85rem; border-top: 1px solid #b1b4b6; margin-top: 2rem; }
@media print { a { color: inherit; text-decoration: none; } }
""" + CHART_CSS


def _ref(report: Report, block: Block) -> str:
    n = report.note_number(block)
    return f'<sup><a href="#note-{n}" id="ref-{n}">{n}</a></sup>' if n else ""


def _table(report: Report, b: Block) -> str:
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in b.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in b.rows
    )
    chart = chart_svg(b.chart) if b.chart is not None else ""
    caption = f'<p class="caption">{escape(b.caption)}</p>' if b.caption else ""
    return (f"<h3>{escape(b.title)}{_ref(report, b)}</h3>{chart}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{caption}")


def _block(report: Report, b: Block) -> str:
    if b.kind == "heading":
        level = max(2, min(b.level, 6))
        return f"<h{level}>{escape(b.text)}</h{level}>"
    if b.kind == "text":
        return render_markdown(b.text) + _ref(report, b)
    if b.kind == "table":
        return _table(report, b)
    if b.kind == "quote":
        return (f"<blockquote><p>{escape(b.text)}</p><p class=\"attribution\">— "
                f"{escape(b.attribution)}{_ref(report, b)}</p></blockquote>")
    if b.kind == "case_study":
        return f"<h3>{escape(b.title)}{_ref(report, b)}</h3>{render_markdown(b.text)}"
    return ""


def body_html(report: Report) -> str:
    """The report's content (no title) with its notes, as an HTML fragment (escaped)."""
    notes = "".join(f'<li id="note-{i}">{escape(n)} <a href="#ref-{i}">↩</a></li>'
                    for i, n in enumerate(report.notes(), 1))
    body = "\n".join(_block(report, b) for b in report.blocks)
    return f'{body}\n<section class="notes"><h2>Notes</h2><ol>{notes}</ol></section>'


def to_html(report: Report) -> str:
    """The report as a complete HTML document (no external resources)."""
    subtitle = f'<p class="subtitle">{escape(report.subtitle)}</p>' if report.subtitle else ""
    return (
        '<!doctype html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(report.title)}</h1>{subtitle}\n{body_html(report)}</body></html>\n"
    )
