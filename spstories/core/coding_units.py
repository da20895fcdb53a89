"""Turning coders' codings into reliability tables and a list of disagreements.

Two kinds of unit:

* ``segment``: each document is cut at every boundary of every compared coder's codings;
  each stretch between two cuts that holds more than white space is a unit. A coder's value
  for code X on a unit is 1 when one of their X codings covers it, else 0.
* ``document``: each document is a unit; the value is 1 when the coder used X anywhere in it.

A coder who made no coding at all in a document did not code it: their values there are
missing (None), so they neither agree nor disagree.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from spstories.core.agreement import Agreement, agreement

UNIT_KINDS = ("segment", "document")


@dataclass(frozen=True)
class Span:
    """One coding: a coder put ``code`` on ``text[start:end]`` of ``document``."""

    document: int
    code: str
    coder: int
    start: int
    end: int


@dataclass(frozen=True)
class Unit:
    document: int
    start: int
    end: int


@dataclass(frozen=True)
class Disagreement:
    document: int
    code: str
    start: int
    end: int
    coded_by: tuple[int, ...]
    not_coded_by: tuple[int, ...]


@dataclass(frozen=True)
class Report:
    """Agreement per code and pooled over all codes, for the given coders and unit kind."""

    coders: tuple[int, ...]
    unit: str
    per_code: dict[str, Agreement]
    overall: Agreement


def _units(texts: Mapping[int, str], spans: Sequence[Span], kind: str) -> list[Unit]:
    if kind == "document":
        return [Unit(doc, 0, len(text)) for doc, text in sorted(texts.items())]
    units = []
    for doc, text in sorted(texts.items()):
        cuts = {0, len(text)}
        for s in spans:
            if s.document == doc:
                cuts.update((max(0, min(s.start, len(text))), max(0, min(s.end, len(text)))))
        for left, right in itertools.pairwise(sorted(cuts)):
            if text[left:right].strip():
                units.append(Unit(doc, left, right))
    return units


def _table(
    units: Sequence[Unit], spans: Sequence[Span], coders: Sequence[int], code: str, kind: str
) -> list[list[int | None]]:
    present = {(s.coder, s.document) for s in spans}
    rows = []
    for coder in coders:
        mine = [s for s in spans if s.coder == coder and s.code == code]
        row: list[int | None] = []
        for unit in units:
            if (coder, unit.document) not in present:
                row.append(None)
            elif kind == "document":
                row.append(int(any(s.document == unit.document for s in mine)))
            else:
                row.append(int(any(
                    s.document == unit.document and s.start <= unit.start and unit.end <= s.end
                    for s in mine
                )))
        rows.append(row)
    return rows


def report(
    texts: Mapping[int, str], spans: Iterable[Span], coders: Sequence[int], kind: str = "segment"
) -> Report:
    """Agreement of ``coders`` on the documents in ``texts``."""
    if kind not in UNIT_KINDS:
        raise ValueError(f"unit must be one of {', '.join(UNIT_KINDS)}")
    if len(coders) < 2:
        raise ValueError("agreement needs at least two coders")
    spans = [s for s in spans if s.coder in coders and s.document in texts and s.end > s.start]
    units = _units(texts, spans, kind)
    per_code = {}
    pooled: list[list[int | None]] = [[] for _ in coders]
    for code in sorted({s.code for s in spans}):
        table = _table(units, spans, coders, code, kind)
        per_code[code] = agreement(table)
        for row, part in zip(pooled, table, strict=True):
            row.extend(part)
    return Report(tuple(coders), kind, per_code, agreement(pooled))


def disagreements(
    texts: Mapping[int, str], spans: Iterable[Span], coders: Sequence[int]
) -> list[Disagreement]:
    """Stretches of text where the coders who coded the document differ on a code.

    Neighbouring segment units with the same split of coders are merged into one stretch.
    """
    spans = [s for s in spans if s.coder in coders and s.document in texts and s.end > s.start]
    units = _units(texts, spans, "segment")
    found: list[Disagreement] = []
    for code in sorted({s.code for s in spans}):
        table = _table(units, spans, coders, code, "segment")
        for index, unit in enumerate(units):
            values = {coder: table[row][index] for row, coder in enumerate(coders)}
            yes = tuple(c for c, v in values.items() if v == 1)
            no = tuple(c for c, v in values.items() if v == 0)
            if not yes or not no:
                continue
            last = found[-1] if found else None
            if (last and last.code == code and last.document == unit.document
                    and last.end == unit.start and (last.coded_by, last.not_coded_by) == (yes, no)):
                found[-1] = Disagreement(code=code, document=unit.document, start=last.start,
                                         end=unit.end, coded_by=yes, not_coded_by=no)
            else:
                found.append(Disagreement(unit.document, code, unit.start, unit.end, yes, no))
    return found


def co_occurrence(spans: Iterable[Span]) -> dict[tuple[str, str], int]:
    """How many pairs of codings of two codes overlap in the same document (any coder)."""
    by_document: dict[object, list[Span]] = {}
    for span in spans:
        by_document.setdefault(span.document, []).append(span)
    counts: dict[tuple[str, str], int] = {}
    for document_spans in by_document.values():
        for a, b in itertools.combinations(document_spans, 2):
            if a.code != b.code and a.start < b.end and b.start < a.end:
                key = tuple(sorted((a.code, b.code)))
                counts[key] = counts.get(key, 0) + 1  # type: ignore[index]
    return counts


def co_occurrence_matrix(
    counts: dict[tuple[str, str], int],
) -> tuple[list[str], list[list[int]]]:
    """The pair counts as a symmetric code-by-code grid: (codes, rows)."""
    codes = sorted({code for pair in counts for code in pair})
    index = {code: i for i, code in enumerate(codes)}
    rows = [[0] * len(codes) for _ in codes]
    for (a, b), n in counts.items():
        rows[index[a]][index[b]] = rows[index[b]][index[a]] = n
    return codes, rows
