"""``sp_codebook_matcher``: finds codebook patterns in a doc, lemma-aware but matching LOWER.

Patterns are compiled dicts (see ``patterns.compile_phrase``): every inflected phrasing is
listed, so one PhraseMatcher over LOWER finds them without running a lemmatizer. A
pattern with gaps ("contact * for me") is matched segment by segment and the segments
are joined in Python, only in docs where a segment was found (spaCy's Matcher with
wildcard operators was ten times slower than the tokenizer on 80-word texts).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from spstories.core.nlp.extensions import Match
from spstories.core.nlp.patterns import MAX_GAP

EXCLUDE = "exclude"
PATTERN_KEYS = {"id", "code", "role", "weight", "phrase", "comparative", "segments"}


class CodebookMatcher:
    """Writes ``doc._.sp_matches`` (list of Match) and, when ``spans_key`` is set,
    ``doc.spans[spans_key]`` too (off by default: building Span groups costs time)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "sp_codebook_matcher",
        *,
        spans_key: str | None = None,
        max_gap: int = MAX_GAP,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.max_gap = max_gap
        self.clear()

    def clear(self) -> None:
        self.patterns: list[dict[str, Any]] = []
        self._by_id: dict[str, dict[str, Any]] = {}
        self._keys: dict[int, tuple[Match, int, list[set[tuple[int, ...]]] | None]] = {}
        self._matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")

    def __len__(self) -> int:
        return len(self.patterns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({p["code"] for p in self.patterns}))

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        """Add compiled pattern dicts; a ValueError names the first bad one."""
        strings = self.nlp.vocab.strings
        for pattern in patterns:
            missing = PATTERN_KEYS - set(pattern)
            if missing or pattern["id"] in self._by_id:
                problem = f"missing {sorted(missing)}" if missing else "duplicate id"
                raise ValueError(f"pattern {pattern.get('id')!r}: {problem}")
            self.patterns.append(pattern)
            self._by_id[pattern["id"]] = pattern
            record = Match(
                pattern["code"],
                pattern["role"],
                0,
                0,
                pattern["id"],
                float(pattern["weight"]),
                bool(pattern["comparative"]),
            )
            segments = [list(self.nlp.tokenizer.pipe(v)) for v in pattern["segments"]]
            # Only the rarest-looking segment goes to the PhraseMatcher; the others are
            # checked around its hits ("refer * to": finding every "to" costs time).
            anchor = max(range(len(segments)), key=lambda i: _rarity(pattern["segments"][i]))
            key = f"{pattern['id']}@{anchor}"
            self._matcher.add(key, segments[anchor])
            others = [{tuple(t.lower for t in doc) for doc in seg} for seg in segments]
            self._keys[strings[key]] = (record, anchor, others if len(segments) > 1 else None)

    def initialize(
        self,
        get_examples: Any = None,
        *,
        nlp: Language | None = None,
        patterns: Iterable[dict[str, Any]] | None = None,
    ) -> None:
        """Clear, then add ``patterns`` (idempotent, as spaCy's SpanRuler)."""
        self.clear()
        if patterns is not None:
            self.add_patterns(patterns)

    def __call__(self, doc: Doc) -> Doc:
        hits = self._matcher(doc)
        if not hits:
            doc._.sp_matches = []
            return doc
        found: list[Match] = []
        lower: list[int] | None = None
        new = tuple.__new__
        for key, start, end in hits:
            record, anchor, segments = self._keys[key]
            if segments is None:
                code, role, _, _, pattern_id, weight, comparative = record
                found.append(new(Match, (code, role, start, end, pattern_id, weight, comparative)))
                continue
            if lower is None:
                lower = doc.to_array(LOWER).tolist()
            for s, e in self._extend(segments, anchor, lower, start, end):
                found.append(record._replace(start=s, end=e))
        matches = _drop_contained(found)
        doc._.sp_matches = matches
        if self.spans_key:
            doc.spans[self.spans_key] = [
                Span(doc, m.start, m.end, label=m.code, kb_id=m.role, span_id=m.pattern_id)
                for m in matches
            ]
        return doc

    def _extend(
        self,
        segments: list[set[tuple[int, ...]]],
        anchor: int,
        lower: list[int],
        start: int,
        end: int,
    ) -> list[tuple[int, int]]:
        """Grow an anchor hit into whole matches: each other segment must follow (or
        precede) the previous one with at most ``max_gap`` tokens between."""
        spans = [(start, end)]
        for i in range(anchor + 1, len(segments)):
            lengths = {len(v) for v in segments[i]}
            spans = [
                (s, p + n)
                for s, e in spans
                for p in range(e, e + self.max_gap + 1)
                for n in lengths
                if tuple(lower[p : p + n]) in segments[i]
            ]
        for i in range(anchor - 1, -1, -1):
            lengths = {len(v) for v in segments[i]}
            spans = [
                (q - n, e)
                for s, e in spans
                for q in range(s - self.max_gap, s + 1)
                for n in lengths
                if q - n >= 0 and tuple(lower[q - n : q]) in segments[i]
            ]
        return spans

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", {"spans_key": self.spans_key, "max_gap": self.max_gap})
        srsly.write_jsonl(path / "patterns.jsonl", self.patterns)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> CodebookMatcher:
        path = Path(path)
        cfg = srsly.read_json(path / "cfg")
        self.spans_key, self.max_gap = cfg["spans_key"], cfg["max_gap"]
        self.initialize(patterns=srsly.read_jsonl(path / "patterns.jsonl"))
        return self


_COMMON = frozenset(
    {
        "to",
        "in",
        "on",
        "for",
        "with",
        "me",
        "my",
        "up",
        "the",
        "a",
        "of",
        "at",
        "and",
        "him",
        "her",
        "us",
        "them",
        "it",
        "be",
        "get",
        "go",
    }
)


def _rarity(variants: list[str]) -> int:
    """How unlikely a segment is to occur: its shortest phrasing's length in letters,
    not counting very common words."""
    return min(sum(len(w) for w in v.split() if w not in _COMMON) for v in variants)


def _drop_contained(matches: list[Match]) -> list[Match]:
    """Within a code the longest match wins: drop a match lying inside a longer one of
    its code ("low self-esteem" over "self-esteem") or inside one of its code's exclude
    phrases ("learning disability"), and duplicates; then drop the exclude phrases.
    Codes do not shadow each other."""
    if len(matches) > 1:
        matches.sort(key=lambda m: (m.start, -m.end, m.role != EXCLUDE))
    kept: list[Match] = []
    reach: dict[str, int] = {}  # per code, the furthest end of a kept match
    for m in matches:
        if reach.get(m.code, -1) >= m.end:  # sorted: an earlier match covers it
            continue
        reach[m.code] = m.end
        if m.role != EXCLUDE:
            kept.append(m)
    return kept


@Language.factory(
    "sp_codebook_matcher",
    assigns=["doc.spans", "doc._.sp_matches"],
    default_config={"spans_key": None, "max_gap": MAX_GAP},
)
def make_codebook_matcher(
    nlp: Language, name: str, spans_key: str | None, max_gap: int
) -> CodebookMatcher:
    return CodebookMatcher(nlp, name, spans_key=spans_key, max_gap=max_gap)
