"""The codebook phrase syntax, and its compilation into matcher patterns (plain dicts).

A phrase is words separated by spaces. Each word matches all its inflected forms
("make new friend" matches "made new friends"). Within a word slot:

- ``a|b``      either word;
- ``[a|b]``    optional slot;
- ``=word``    this exact form only (no inflection);
- ``*``        a gap of up to ``MAX_GAP`` tokens between the words either side.

Compiled patterns are JSON-serialisable dicts, so a component can write them as JSONL.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from spstories.core.nlp.inflect import comparative_forms, word_forms

GAP = "*"
MAX_GAP = 4
MAX_VARIANTS = 5000
# Roles whose words are states: "more"/"less" of them, comparatives included, move polarity.
STATE_ROLES = frozenset({"positive", "negative"})


@dataclass(frozen=True, slots=True)
class Word:
    """One alternative in a slot; ``exact`` switches inflection off."""

    text: str
    exact: bool = False


@dataclass(frozen=True, slots=True)
class Slot:
    """A position in a phrase: one of ``words``; skipped when ``optional``."""

    words: tuple[Word, ...]
    optional: bool = False


Segment = tuple[Slot, ...]


def parse_phrase(phrase: str) -> tuple[Segment, ...]:
    """Split a phrase into gap-separated segments of slots; ValueError if malformed."""
    if not isinstance(phrase, str) or not phrase.strip():
        raise ValueError("a pattern must be a non-empty string")
    segments: list[Segment] = []
    current: list[Slot] = []
    for raw in phrase.split():
        if raw == GAP:
            if not current:
                raise ValueError(f"pattern {phrase!r}: '*' must stand between two words")
            segments.append(tuple(current))
            current = []
            continue
        optional = raw.startswith("[") and raw.endswith("]")
        body = raw[1:-1] if optional else raw
        if any(ch in body for ch in "[]*"):
            raise ValueError(f"pattern {phrase!r}: cannot read {raw!r}")
        words = []
        for alternative in body.split("|"):
            exact = alternative.startswith("=")
            text = alternative[1:] if exact else alternative
            if not text:
                raise ValueError(f"pattern {phrase!r}: empty alternative in {raw!r}")
            words.append(Word(text.lower(), exact))
        current.append(Slot(tuple(words), optional))
    if not current:
        raise ValueError(f"pattern {phrase!r}: '*' must stand between two words")
    segments.append(tuple(current))
    for segment in segments:
        if all(slot.optional for slot in segment):
            raise ValueError(f"pattern {phrase!r}: a segment needs a word that is not optional")
    if count_variants(segments) > MAX_VARIANTS:
        raise ValueError(f"pattern {phrase!r}: expands to more than {MAX_VARIANTS} phrasings")
    return tuple(segments)


def _choices(word: Word, comparatives: bool) -> list[tuple[str, bool]]:
    """(form, is_comparative) pairs for one word."""
    if word.exact or not word.text.isalpha():
        return [(word.text, False)]
    more = comparative_forms(word.text) if comparatives else frozenset()
    return [(form, form in more) for form in sorted(word_forms(word.text))]


def count_variants(segments: Iterable[Segment]) -> int:
    """How many literal phrasings the segments expand to (checked before compiling)."""
    total = 0
    for segment in segments:
        n = 1
        for slot in segment:
            n *= sum(len(_choices(word, False)) for word in slot.words) + int(slot.optional)
        total += n
    return total


def expand_segment(segment: Segment, comparatives: bool = False) -> Iterator[tuple[str, bool]]:
    """Every literal phrasing of a segment, with whether it uses a comparative form."""
    per_slot = []
    for slot in segment:
        options = [choice for word in slot.words for choice in _choices(word, comparatives)]
        if slot.optional:
            options.append(("", False))
        per_slot.append(options)
    for combo in itertools.product(*per_slot):
        text = " ".join(form for form, _ in combo if form)
        yield text, any(flag for _, flag in combo)


def compile_phrase(
    phrase: str, *, key: str, code: str, role: str, weight: float = 1.0
) -> list[dict[str, Any]]:
    """One or two pattern dicts: the phrase, and its comparative phrasings if a state."""
    segments = parse_phrase(phrase)
    base = {"code": code, "role": role, "weight": weight, "phrase": phrase}
    if len(segments) == 1 and role in STATE_ROLES:
        plain, more = set(), set()
        for text, comparative in expand_segment(segments[0], comparatives=True):
            (more if comparative else plain).add(text)
        compiled = [{**base, "id": key, "comparative": False, "segments": [sorted(plain)]}]
        if more:
            compiled.append(
                {**base, "id": f"{key}+more", "comparative": True, "segments": [sorted(more)]}
            )
        return compiled
    variants = [sorted({text for text, _ in expand_segment(seg)}) for seg in segments]
    return [{**base, "id": key, "comparative": False, "segments": variants}]
