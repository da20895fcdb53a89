"""A report as PDF (fpdf2, pure Python): charts drawn with rectangles, no images.

The built-in PDF fonts (Helvetica) cover Latin-1 only, and shipping a TTF is not worth it
for reports: typographic characters are mapped to their plain equivalents and anything
else outside Latin-1 becomes "?", which is visible rather than silently dropped.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.fonts import FontFace

from spstories.core.markdown import markdown_to_text
from spstories.core.reports.model import Block, Chart, Report

_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                        "…": "...", "•": "-", "≥": ">=", "≤": "<=", "↩": ""})
BAR = (29, 112, 184)
SHARES = {"improved": (0, 112, 60), "no_change": (177, 180, 182), "deteriorated": (212, 53, 28)}


def latin1(text: str) -> str:
    """Text the core fonts can draw."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 8, f"Page {self.page_no()}", align="C")


def _ref(report: Report, block: Block) -> str:
    n = report.note_number(block)
    return f" [{n}]" if n else ""


def _para(pdf: FPDF, text: str, style: str = "", size: int = 11) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _chart(pdf: FPDF, chart: Chart) -> None:
    _para(pdf, chart.title, "I", 10)
    label_w, plot_w, h = 55.0, pdf.epw - 75.0, 5.0
    if chart.kind == "share":
        rows = [(label, [(SHARES.get(k, BAR), s) for k, _, s in parts],
                 f"{parts[0][2]:.0%} {parts[0][1].lower()}" if parts else "")
                for label, parts in chart.rows]
    else:
        top = max((b.value for b in chart.bars), default=0) or 1
        rows = [(b.label, [(BAR, b.value / top)], b.text) for b in chart.bars]
    pdf.set_font("Helvetica", "", 8)
    for label, parts, text in rows:
        if pdf.will_page_break(h + 1):
            pdf.add_page()
        y, x = pdf.get_y(), pdf.l_margin + label_w
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w - 2, h, latin1(label)[:40], align="R")
        for colour, share in parts:
            w = plot_w * max(min(share, 1.0), 0.0)
            if w > 0:
                pdf.set_fill_color(*colour)
                pdf.rect(x, y + 0.5, w, h - 1, style="F")
            x += w
        pdf.set_xy(x + 1, y)
        pdf.cell(20, h, latin1(text))
        pdf.set_y(y + h + 1)
    pdf.ln(3)


def _table(pdf: FPDF, report: Report, b: Block) -> None:
    _para(pdf, b.title + _ref(report, b), "B", 12)
    if b.chart is not None:
        _chart(pdf, b.chart)
    size = 9 if len(b.columns) <= 4 else 7
    pdf.set_font("Helvetica", "", size)
    with pdf.table(headings_style=FontFace(emphasis="BOLD"), line_height=size * 0.5,
                   text_align="LEFT") as table:
        for row in (b.columns, *b.rows):
            cells = table.row()
            for value in row:
                cells.cell(latin1(value))
    pdf.ln(2)
    if b.caption:
        _para(pdf, b.caption, "I", 9)


def to_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _para(pdf, report.title, "B", 18)
    if report.subtitle:
        _para(pdf, report.subtitle, "I", 11)
    for b in report.blocks:
        if b.kind == "heading":
            pdf.ln(2)
            _para(pdf, b.text, "B", 15 if b.level <= 2 else 13)
        elif b.kind == "text":
            _para(pdf, markdown_to_text(b.text) + _ref(report, b))
        elif b.kind == "table":
            _table(pdf, report, b)
        elif b.kind == "quote":
            pdf.set_x(pdf.l_margin + 8)
            pdf.set_font("Helvetica", "I", 11)
            pdf.multi_cell(pdf.epw - 8, 5.5, latin1(f'"{b.text.strip()}"'),
                           new_x="LMARGIN", new_y="NEXT")
            _para(pdf, f"- {b.attribution}{_ref(report, b)}", "", 9)
        elif b.kind == "case_study":
            _para(pdf, b.title + _ref(report, b), "B", 12)
            _para(pdf, markdown_to_text(b.text))
    _para(pdf, "Notes", "B", 13)
    for i, note in enumerate(report.notes(), 1):
        _para(pdf, f"{i}. {note}", "", 9)
    return bytes(pdf.output())
