"""Reading uploaded CSV and XLSX files into a header and rows of text (pure, untrusted input).

Files come from case-management exports and from people's spreadsheets, so reading is
forgiving about encodings and delimiters but strict about size: a file over the row or
column limit is refused whole rather than read in part.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath

from spstories.core.archives import ArchiveError, MiB, ZipLimits, open_zip
from spstories.errors import SpstoriesError

MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 100_000
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_XLSX = ZipLimits(max_members=2000, max_total_bytes=100 * MiB)
_DELIMITERS = ",;\t|"
# UTF-8 first (a BOM is dropped); cp1252 is what Excel on Windows writes for "CSV".
_ENCODINGS = ("utf-8-sig", "cp1252")


class ImportFileError(SpstoriesError):
    """The uploaded file cannot be read as a table; says why, and where when it knows."""


@dataclass(frozen=True)
class Table:
    """A file's header and its non-blank data rows.

    ``rows`` holds ``(row number, cells)``: the number is the one a spreadsheet shows
    (the header is row 1), so blank rows that were skipped do not shift later numbers.
    Cells are stripped text; an empty cell is ``""``.
    """

    header: tuple[str, ...]
    rows: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    file_name: str = ""

    def column_name(self, index: int) -> str:
        """The header text of a column, or its letter when the header cell is blank."""
        name = self.header[index] if index < len(self.header) else ""
        return name or f"column {column_letter(index)}"


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def read_table(data: bytes, file_name: str, *, max_rows: int = MAX_ROWS) -> Table:
    """Read a CSV or XLSX upload, chosen by the file name's extension."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(data, file_name, max_rows=max_rows)
    if suffix in CSV_SUFFIXES:
        return read_csv(data, file_name, max_rows=max_rows)
    if suffix == ".xls":
        raise ImportFileError(
            f"{file_name}: old Excel (.xls) files are not supported; save it as .xlsx or .csv"
        )
    raise ImportFileError(f"{file_name}: choose a .csv or .xlsx file")


def decode_text(data: bytes, file_name: str = "the file") -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else Windows-1252."""
    if b"\x00" in data[:8192]:
        raise ImportFileError(f"{file_name} is not a text (CSV) file")
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"{file_name}: the text encoding is not UTF-8 or Windows-1252")


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text, judged by the header line; comma when there is no clue.

    Counting in the header is steadier than ``csv.Sniffer`` on exports whose free-text
    columns are full of commas and semicolons.
    """
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: _count_unquoted(first_line, delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _count_unquoted(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def read_csv(data: bytes, file_name: str = "upload.csv", *, max_rows: int = MAX_ROWS) -> Table:
    """Read CSV bytes into a Table (delimiter sniffed, encoding detected)."""
    text = decode_text(data, file_name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        return _collect(reader, file_name, max_rows)
    except csv.Error as exc:
        raise ImportFileError(
            f"{file_name}, row {reader.line_num}: not valid CSV ({exc})"
        ) from None


def read_xlsx(data: bytes, file_name: str = "upload.xlsx", *, max_rows: int = MAX_ROWS) -> Table:
    """Read the first worksheet of an XLSX workbook into a Table.

    Read-only (streamed) and with cached values only: formulas are never evaluated,
    a formula cell gives the value the spreadsheet last saved for it.
    """
    from openpyxl import load_workbook  # imported here: CSV-only callers never pay for it

    if not data.startswith(b"PK"):
        raise ImportFileError(f"{file_name} is not an Excel (.xlsx) workbook")
    try:
        # openpyxl would expand a zip bomb: the archive is checked before it sees it.
        open_zip(data, file_name, required=("xl/workbook.xml",), limits=_XLSX).close()
    except ArchiveError as exc:
        raise ImportFileError(str(exc)) from None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; they do not affect data.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                rows = ((_xlsx_text(v) for v in row) for row in sheet.iter_rows(values_only=True))
                return _collect(rows, file_name, max_rows)
            finally:
                workbook.close()
    except ImportFileError:
        raise
    except Exception:  # untrusted file: any parser failure means "cannot read it"
        raise ImportFileError(
            f"{file_name} could not be read as an Excel (.xlsx) workbook"
        ) from None


def _xlsx_text(value: object) -> str:
    """Cell value as the text a person would type: dates ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _collect(rows: Iterable[Iterable[str]], file_name: str, max_rows: int) -> Table:
    header: tuple[str, ...] | None = None
    body: list[tuple[int, tuple[str, ...]]] = []
    for number, raw in enumerate(rows, start=1):
        cells = [cell.strip() for cell in raw]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise ImportFileError(
                f"{file_name}, row {number}: more than {MAX_COLUMNS} columns; "
                "remove the columns you are not importing"
            )
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise ImportFileError(
                f"{file_name}, row {number}: a cell is longer than {MAX_CELL_CHARS} characters"
            )
        if header is None:
            # Blank rows above the header are skipped; numbering stays the file's own.
            if cells:
                header = tuple(cells)
            continue
        if not cells:
            continue
        if len(body) >= max_rows:
            raise ImportFileError(
                f"{file_name} has more than {max_rows:,} rows; split it into smaller files"
            )
        body.append((number, tuple(cells)))
    if header is None:
        raise ImportFileError(f"{file_name} is empty")
    if not body:
        raise ImportFileError(f"{file_name} has a header row but no data rows")
    return Table(header=header, rows=body, file_name=file_name)
