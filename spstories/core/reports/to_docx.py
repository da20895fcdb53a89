"""A report as a Word document (python-docx).

Word cannot show SVG without a PNG fallback, and rasterising needs system libraries, so
charts are drawn as tables whose bar cells are shaded to the share of the row width.
python-docx has no footnote API: figures carry superscript numbers that point to a
"Notes" section at the end, as in the other formats.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from spstories.core.markdown import markdown_to_text
from spstories.core.reports.model import Block, Chart, Report

BAR_COLOUR = "1D70B8"
SHARE_COLOURS = {"improved": "00703C", "no_change": "B1B4B6", "deteriorated": "D4351C"}
BAR_COLUMNS = 20  # a bar is drawn across this many narrow cells, each 5% of the width


def _ref(paragraph: Paragraph, report: Report, block: Block) -> None:
    n = report.note_number(block)
    if n:
        paragraph.add_run(str(n)).font.superscript = True


def _shade(cell, colour: str) -> None:  # type: ignore[no-untyped-def]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _chart(doc, chart: Chart) -> None:  # type: ignore[no-untyped-def]
    doc.add_paragraph(chart.title).runs[0].italic = True
    if chart.kind == "share":
        rows = [(label, [(SHARE_COLOURS.get(k, BAR_COLOUR), share) for k, _, share in parts],
                 " / ".join(f"{lbl} {share:.0%}" for _, lbl, share in parts))
                for label, parts in chart.rows]
    else:
        top = max((b.value for b in chart.bars), default=0) or 1
        rows = [(b.label, [(BAR_COLOUR, b.value / top)], b.text) for b in chart.bars]
    table = doc.add_table(rows=len(rows), cols=BAR_COLUMNS + 2)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for r, (label, parts, text) in enumerate(rows):
        cells = table.rows[r].cells
        cells[0].text = label
        col = 1
        for colour, share in parts:
            for _ in range(round(max(min(share, 1.0), 0.0) * BAR_COLUMNS)):
                if col <= BAR_COLUMNS:
                    _shade(cells[col], colour)
                    col += 1
        cells[-1].text = text
    doc.add_paragraph()


def _table(doc, report: Report, b: Block) -> None:  # type: ignore[no-untyped-def]
    _ref(doc.add_heading(b.title, level=3), report, b)
    if b.chart is not None:
        _chart(doc, b.chart)
    table = doc.add_table(rows=1, cols=len(b.columns))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, b.columns, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in b.rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    if b.caption:
        doc.add_paragraph(b.caption).runs[0].italic = True


def to_docx(report: Report) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    doc.add_heading(report.title, level=0)
    if report.subtitle:
        doc.add_paragraph(report.subtitle).runs[0].italic = True
    for b in report.blocks:
        if b.kind == "heading":
            doc.add_heading(b.text, level=max(1, min(b.level - 1, 4)))
        elif b.kind == "text":
            for para in markdown_to_text(b.text).split("\n\n"):
                if para.strip():
                    doc.add_paragraph(para.strip())
            _ref(doc.paragraphs[-1], report, b)
        elif b.kind == "table":
            _table(doc, report, b)
        elif b.kind == "quote":
            doc.add_paragraph(f"“{b.text.strip()}”", style="Quote")
            p = doc.add_paragraph(f"— {b.attribution}")
            p.runs[0].font.color.rgb = RGBColor(0x44, 0x44, 0x44)
            _ref(p, report, b)
        elif b.kind == "case_study":
            _ref(doc.add_heading(b.title, level=3), report, b)
            for para in markdown_to_text(b.text).split("\n\n"):
                if para.strip():
                    doc.add_paragraph(para.strip())
    doc.add_heading("Notes", level=1)
    for i, note in enumerate(report.notes(), 1):
        doc.add_paragraph(f"{i}. {note}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
