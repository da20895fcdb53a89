"""``sp_codebook_matcher``: finds codebook patterns in a doc, lemma-aware but matching LOWER.

Patterns are compiled dicts (see ``patterns.compile_phrase``): every inflected phrasing is
listed, so one PhraseMatcher over LOWER finds them without running a lemmatizer. A
pattern with gaps ("contact * for me") is matched segment by segment and the segments
are joined in Python, only in docs where a segment was found (spaCy's Matcher with
wildcard operators was ten times slower than the tokenizer on 80-word texts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from spstories.core.nlp.extensions import Match
from spstories.core.nlp.patterns import MAX_GAP

EXCLUDE = "exclude"
PATTERN_KEYS = {"id", "code", "role", "weight", "phrase", "comparative", "segments"}


class CodebookMatcher:
    """Writes ``doc._.sp_matches`` (list of Match) and ``doc.spans[spans_key]``."""

    def __init__(self, nlp: Language, name: str = "sp_codebook_matcher", *,
                 spans_key: str = "sp_codes", max_gap: int = MAX_GAP) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.max_gap = max_gap
        self.clear()

    def clear(self) -> None:
        self.patterns: list[dict[str, Any]] = []
        self._by_id: dict[str, dict[str, Any]] = {}
        self._matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")

    def __len__(self) -> int:
        return len(self.patterns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({p["code"] for p in self.patterns}))

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        """Add compiled pattern dicts; a ValueError names the first bad one."""
        for pattern in patterns:
            missing = PATTERN_KEYS - set(pattern)
            if missing or pattern["id"] in self._by_id:
                problem = f"missing {sorted(missing)}" if missing else "duplicate id"
                raise ValueError(f"pattern {pattern.get('id')!r}: {problem}")
            self.patterns.append(pattern)
            self._by_id[pattern["id"]] = pattern
            for i, variants in enumerate(pattern["segments"]):
                docs = list(self.nlp.tokenizer.pipe(variants))
                self._matcher.add(f"{pattern['id']}@{i}", docs)

    def initialize(self, get_examples: Any = None, *, nlp: Language | None = None,
                   patterns: Iterable[dict[str, Any]] | None = None) -> None:
        """Clear, then add ``patterns`` (idempotent, as spaCy's SpanRuler)."""
        self.clear()
        if patterns is not None:
            self.add_patterns(patterns)

    def __call__(self, doc: Doc) -> Doc:
        hits = self._matcher(doc)
        if not hits:
            doc._.sp_matches = []
            return doc
        strings = self.nlp.vocab.strings
        simple: list[Match] = []
        pieces: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for key, start, end in hits:
            pattern_id, _, segment = strings[key].rpartition("@")
            pattern = self._by_id[pattern_id]
            if len(pattern["segments"]) == 1:
                simple.append(self._match(pattern, start, end))
            else:
                pieces[pattern_id][int(segment)].append((start, end))
        for pattern_id, found in pieces.items():
            simple.extend(self._join(self._by_id[pattern_id], found))
        # "exclude" phrases ("learning disability") only shadow the matches inside them.
        matches = [m for m in _drop_contained(simple) if m.role != EXCLUDE]
        doc._.sp_matches = matches
        doc.spans[self.spans_key] = [
            Span(doc, m.start, m.end, label=m.code, kb_id=m.role, span_id=m.pattern_id)
            for m in matches
        ]
        return doc

    def _match(self, pattern: dict[str, Any], start: int, end: int) -> Match:
        return Match(pattern["code"], pattern["role"], start, end, pattern["id"],
                     float(pattern["weight"]), bool(pattern["comparative"]))

    def _join(self, pattern: dict[str, Any], found: dict[int, list[tuple[int, int]]]
              ) -> list[Match]:
        """Chain segment hits left to right with at most ``max_gap`` tokens between."""
        chains = [(s, e) for s, e in found.get(0, [])]
        for i in range(1, len(pattern["segments"])):
            chains = [
                (start, e2)
                for start, end in chains
                for s2, e2 in found.get(i, [])
                if end <= s2 <= end + self.max_gap
            ]
        return [self._match(pattern, start, end) for start, end in chains]

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


def _drop_contained(matches: list[Match]) -> list[Match]:
    """Within a code the longest match wins: drop a match lying inside a longer one of
    its code ("low self-esteem" over "self-esteem") or inside one of its code's exclude
    phrases ("learning disability"), and duplicates. Codes do not shadow each other."""
    matches.sort(key=lambda m: (m.start, -m.end, m.role != EXCLUDE))
    kept: list[Match] = []
    seen: set[tuple[str, int, int]] = set()
    for m in matches:
        key = (m.code, m.start, m.end)
        if key in seen:
            continue
        inside = any(
            k.code == m.code and k.start <= m.start and m.end <= k.end
            and ((k.end - k.start) > (m.end - m.start) or k.role == EXCLUDE)
            for k in kept
            if k.end > m.start
        )
        if not inside:
            kept.append(m)
            seen.add(key)
    return kept


@Language.factory(
    "sp_codebook_matcher",
    assigns=["doc.spans", "doc._.sp_matches"],
    default_config={"spans_key": "sp_codes", "max_gap": MAX_GAP},
)
def make_codebook_matcher(nlp: Language, name: str, spans_key: str, max_gap: int
                          ) -> CodebookMatcher:
    return CodebookMatcher(nlp, name, spans_key=spans_key, max_gap=max_gap)
