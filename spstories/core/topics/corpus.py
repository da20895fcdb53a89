"""Coding units for a topic run: sentences or passages of narratives, with ids and dates."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from spstories.core.nlp.sentences import trim

Level = Literal["sentence", "passage"]
LEVELS: tuple[Level, ...] = ("sentence", "passage")
# Units shorter than this carry no theme ("Thank you.", "Yes.") and only add noise.
MIN_WORDS = 3
_PARAGRAPH = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True)
class SourceText:
    """One text field of one document: ``doc`` is e.g. ``feedback:12``."""

    doc: str
    field: str
    text: str
    on: date | None = None


@dataclass(frozen=True)
class Unit:
    """A sentence or passage; ``text == source.text[start:end]`` of its field."""

    id: str
    doc: str
    field: str
    start: int
    end: int
    text: str
    on: date | None = None

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and end > self.start


def _paragraphs(text: str) -> Iterable[tuple[int, int]]:
    start = 0
    for match in _PARAGRAPH.finditer(text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


@lru_cache(maxsize=1)
def _sentencizer() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _spans(text: str, level: Level) -> Iterable[tuple[int, int]]:
    for p_start, p_end in _paragraphs(text):
        if level == "passage":
            yield trim(text, p_start, p_end)
            continue
        for sent in _sentencizer()(text[p_start:p_end]).sents:
            yield trim(text, p_start + sent.start_char, p_start + sent.end_char)


def build_units(sources: Iterable[SourceText], level: Level = "sentence") -> list[Unit]:
    """Cut every source into units (Markdown paragraphs first, then sentences)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    units = []
    for source in sources:
        for n, (start, end) in enumerate(_spans(source.text, level)):
            text = source.text[start:end]
            if len(text.split()) < MIN_WORDS:
                continue
            units.append(Unit(f"{source.doc}:{source.field}:{n}", source.doc, source.field,
                              start, end, text, source.on))
    return units


def codes_by_unit(units: Sequence[Unit], spans: Iterable[tuple[str, str, int, int, str]]
                  ) -> dict[str, set[str]]:
    """Codes whose tagged spans ``(doc, field, start, end, code)`` overlap each unit."""
    index: dict[tuple[str, str], list[Unit]] = {}
    for unit in units:
        index.setdefault((unit.doc, unit.field), []).append(unit)
    found: dict[str, set[str]] = {unit.id: set() for unit in units}
    for doc, field, start, end, code in spans:
        for unit in index.get((doc, field), ()):
            if unit.overlaps(start, end):
                found[unit.id].add(code)
    return found


def residual(units: Sequence[Unit], codes: Mapping[str, set[str]]) -> list[Unit]:
    """Only the units that carry no code: what the codebook did not see."""
    return [unit for unit in units if not codes.get(unit.id)]


def corpus_hash(units: Sequence[Unit]) -> str:
    """A digest of the exact units fitted (ids and text), to check a re-run used the same."""
    digest = hashlib.sha256()
    for unit in units:
        digest.update(f"{unit.id}\x1f{unit.text}\x1e".encode())
    return digest.hexdigest()
