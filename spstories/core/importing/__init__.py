"""Importing clients, referrals, measures and feedback from CSV and XLSX (pure core).

``reading`` turns an upload into a header and rows of text; ``kinds`` defines, as data,
what each kind of import contains; ``validation`` maps columns and checks every row;
``output`` writes templates and error reports. See docs/importing.md.
"""

from spstories.core.importing.kinds import (
    KINDS,
    MAX_ITEMS,
    Field,
    FieldType,
    ImportKind,
    get_kind,
)
from spstories.core.importing.output import (
    bare_message,
    error_report_csv,
    field_hint,
    safe_csv_cell,
    template_csv,
    template_rows,
    template_xlsx,
)
from spstories.core.importing.reading import (
    MAX_ROWS,
    ImportFileError,
    Table,
    column_letter,
    decode_text,
    read_csv,
    read_table,
    read_xlsx,
    sniff_delimiter,
)
from spstories.core.importing.validation import (
    ColumnMapping,
    ParsedRow,
    check_mapping,
    guess_mapping,
    normalise,
    parse_cell,
    parse_date,
    validate_rows,
)

__all__ = [
    "KINDS",
    "MAX_ITEMS",
    "MAX_ROWS",
    "ColumnMapping",
    "Field",
    "FieldType",
    "ImportFileError",
    "ImportKind",
    "ParsedRow",
    "Table",
    "bare_message",
    "check_mapping",
    "column_letter",
    "decode_text",
    "error_report_csv",
    "field_hint",
    "get_kind",
    "guess_mapping",
    "normalise",
    "parse_cell",
    "parse_date",
    "read_csv",
    "read_table",
    "read_xlsx",
    "safe_csv_cell",
    "sniff_delimiter",
    "template_csv",
    "template_rows",
    "template_xlsx",
    "validate_rows",
]
