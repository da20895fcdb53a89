"""Column mapping and row validation: every problem named by row and column (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from spstories.core.importing.kinds import Field, FieldType, ImportKind
from spstories.core.importing.reading import Table
from spstories.core.measures import parse_timepoint
from spstories.errors import ImportRowError, MeasureError

# field name -> 0-based column index in the file, or None when the file has no such column
ColumnMapping = Mapping[str, int | None]

_UK_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# A time after the date (exports often carry one) is dropped: only the day is stored.
_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})
_LIST_SPLIT = re.compile(r"[;,]")


@dataclass(frozen=True)
class ParsedRow:
    """One valid row: its number in the file and its values by field name."""

    row: int
    values: dict[str, Any]


def normalise(text: str) -> str:
    """Lower case, with '_', '-' and runs of spaces read as one space: for loose matching."""
    return " ".join(re.sub(r"[_\-]+", " ", text.lower()).split())


def guess_mapping(kind: ImportKind, header: tuple[str, ...]) -> dict[str, int | None]:
    """For each field, the column whose header matches its name, label or an alias.

    A column is given to at most one field; names are tried before labels before aliases.
    """
    columns = {}
    for index, name in enumerate(header):
        columns.setdefault(normalise(name), index)
    guess: dict[str, int | None] = {f.name: None for f in kind.fields}
    taken: set[int] = set()
    for candidates in (
        lambda f: (f.name,),
        lambda f: (f.label,),
        lambda f: f.aliases,
    ):
        for target in kind.fields:
            if guess[target.name] is not None:
                continue
            for candidate in candidates(target):
                index = columns.get(normalise(candidate))
                if index is not None and index not in taken:
                    guess[target.name] = index
                    taken.add(index)
                    break
    return guess


def check_mapping(kind: ImportKind, table: Table, mapping: ColumnMapping) -> dict[str, str]:
    """Problems with a mapping, by field name; empty when it can be used."""
    problems: dict[str, str] = {}
    used: dict[int, str] = {}
    for unknown in sorted(set(mapping) - {f.name for f in kind.fields}):
        problems[unknown] = f"{kind.label} have no field {unknown!r}"
    for target in kind.fields:
        index = mapping.get(target.name)
        if index is None:
            if target.required:
                problems[target.name] = f"{target.label} is required: choose its column"
            continue
        if not 0 <= index < len(table.header):
            problems[target.name] = "choose one of the file's columns"
        elif index in used:
            problems[target.name] = (
                f"column {table.column_name(index)!r} is already chosen for {used[index]}"
            )
        else:
            used[index] = target.label
    return problems


def validate_rows(
    kind: ImportKind, table: Table, mapping: ColumnMapping
) -> tuple[list[ParsedRow], list[ImportRowError]]:
    """Parse every row; return the valid rows and *all* the errors, in row order.

    Call ``check_mapping`` first: this assumes every required field has a column.
    """
    parsed: list[ParsedRow] = []
    errors: list[ImportRowError] = []
    columns = [(f, mapping.get(f.name)) for f in kind.fields]
    names = {f.name: table.column_name(i) for f, i in columns if i is not None}
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        row_errors: list[ImportRowError] = []
        for target, index in columns:
            raw = cells[index] if index is not None and index < len(cells) else ""
            try:
                values[target.name] = parse_cell(target, raw)
            except ValueError as exc:
                row_errors.append(ImportRowError(str(exc), row=number,
                                                 column=names.get(target.name, target.label)))
        if not row_errors and kind.check is not None:
            for field_name, message in kind.check(values):
                column = names.get(field_name, kind.field(field_name).label) if field_name else None
                row_errors.append(ImportRowError(message, row=number, column=column))
        if row_errors:
            errors.extend(row_errors)
        else:
            parsed.append(ParsedRow(number, values))
    return parsed, errors


def parse_cell(target: Field, raw: str) -> Any:
    """The typed value of one cell; ValueError with a message for the user."""
    text = raw.strip()
    if not text:
        if target.required:
            raise ValueError(f"{target.label} is required")
        return target.default
    if target.max_length is not None and len(text) > target.max_length:
        raise ValueError(f"is {len(text)} characters long; at most {target.max_length} allowed")
    parser = _PARSERS[target.type]
    return parser(target, text)


def parse_date(text: str) -> date:
    """ISO (2024-03-01) or UK (01/03/2024, 1.3.2024) date, with any time of day ignored."""
    for pattern, order in ((_ISO_DATE, (0, 1, 2)), (_UK_DATE, (2, 1, 0))):
        match = pattern.match(text)
        if match and _TIME_SUFFIX.fullmatch(text, match.end()):
            year, month, day = (int(match.group(i + 1)) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                raise ValueError(f"{text!r} is not a real date") from None
    raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD or DD/MM/YYYY")


def _date(target: Field, text: str) -> date:
    value = parse_date(text)
    if not 1900 <= value.year <= 2100:
        raise ValueError(f"{text!r} is not a plausible date (year {value.year})")
    return value


def _choice(target: Field, text: str) -> str:
    wanted = normalise(text)
    for value, label in target.choices:
        if wanted in (normalise(value), normalise(label)):
            return value
    for spelling, value in target.synonyms.items():
        if wanted == normalise(spelling):
            return value
    allowed = ", ".join(value for value, _ in target.choices)
    return _fail(f"{text!r} is not a valid {target.label.lower()}; use one of: {allowed}")


def _integer(target: Field, text: str) -> int:
    value = _whole_number(text)
    if value is None:
        return _fail(f"{text!r} is not a whole number")
    low, high = target.minimum, target.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        return _fail(f"{value} is out of range; use a whole number from {low} to {high}")
    return value


def _answer(target: Field, text: str) -> int:
    value = _whole_number(text)
    if value is None:
        return _fail(f"{target.label}: {text!r} is not a whole number")
    return value  # the range is checked when scoring, against the instrument's own


def _whole_number(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    # Spreadsheets turn 3 into 3.0; 3.5 is not an answer.
    return int(number) if number.is_integer() and abs(number) < 1e9 else None


def _boolean(target: Field, text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return _fail(f"{text!r} is not yes or no")


def _list(target: Field, text: str) -> list[str]:
    items = [normalise(part).replace(" ", "_") for part in _LIST_SPLIT.split(text)]
    return list(dict.fromkeys(item for item in items if item))


def _timepoint(target: Field, text: str) -> Any:
    try:
        return parse_timepoint(text)
    except MeasureError as exc:
        raise ValueError(str(exc)) from None


def _text(target: Field, text: str) -> str:
    return text


def _fail(message: str) -> Any:
    raise ValueError(message)


_PARSERS = {
    FieldType.TEXT: _text,
    FieldType.DATE: _date,
    FieldType.CHOICE: _choice,
    FieldType.INTEGER: _integer,
    FieldType.BOOLEAN: _boolean,
    FieldType.LIST: _list,
    FieldType.TIMEPOINT: _timepoint,
    FieldType.ANSWER: _answer,
}
