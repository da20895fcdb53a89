"""Files spstories writes for imports: blank templates and error reports (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from spstories.core.importing.kinds import Field, FieldType, ImportKind
from spstories.errors import ImportRowError

# Characters that make a spreadsheet treat a cell as a formula (CSV injection), plus the
# tab and carriage return that can smuggle one in.
_FORMULA_START = "=+-@\t\r"


def safe_csv_cell(value: object) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    return str(value).lstrip(_FORMULA_START)


_TYPE_HINTS = {
    FieldType.TEXT: "Text",
    FieldType.DATE: "A date: YYYY-MM-DD or DD/MM/YYYY",
    FieldType.INTEGER: "A whole number",
    FieldType.BOOLEAN: "yes or no",
    FieldType.LIST: "A list separated by ';' or ','",
    FieldType.TIMEPOINT: "baseline, review 1, review 2, ... or exit",
    FieldType.ANSWER: "The answer to this item, a whole number; blank if not answered",
}


def field_hint(target: Field) -> str:
    """One line telling a person what a field's column must hold."""
    if target.type is FieldType.CHOICE:
        shown = ", ".join(value for value, _ in target.choices[:12])
        more = ", ..." if len(target.choices) > 12 else ""
        text = f"One of: {shown}{more} (or its label)"
    else:
        text = _TYPE_HINTS[target.type]
    if target.type is FieldType.INTEGER and target.minimum is not None:
        text += f" from {target.minimum} to {target.maximum}"
    if target.max_length:
        text += f", at most {target.max_length:,} characters"
    if target.hint:
        text += f". {target.hint}"
    return text


def bare_message(error: ImportRowError) -> str:
    """The error's message without the "row N, column 'X': " that ``str(error)`` starts with."""
    where = f"row {error.row}" + (f", column {error.column!r}" if error.column else "")
    text = str(error)
    return text[len(where) + 2:] if text.startswith(f"{where}: ") else text


def template_rows(kind: ImportKind) -> list[list[str]]:
    """Header row (field names) and one example row."""
    return [[f.name for f in kind.fields], [f.example for f in kind.fields]]


def template_csv(kind: ImportKind) -> bytes:
    """A CSV template for ``kind``: UTF-8 with a BOM, so Excel opens it as UTF-8."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(template_rows(kind))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: ImportKind) -> bytes:
    """An XLSX template for ``kind``; every cell is text, so dates are not re-typed by Excel."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = kind.label[:31]
    for row in template_rows(kind):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report_csv(errors: Iterable[ImportRowError]) -> bytes:
    """Every error as a CSV row: row, column, message. Safe to open in a spreadsheet."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["row", "column", "message"])
    for error in errors:
        writer.writerow([error.row, safe_csv_cell(error.column or ""),
                         safe_csv_cell(bare_message(error))])
    return buffer.getvalue().encode("utf-8-sig")
