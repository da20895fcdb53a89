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
from typing import Any, NamedTuple

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from spstories.core.nlp.extensions import Match
from spstories.core.nlp.patterns import MAX_GAP
from spstories.core.nlp.phrases import Phrase, PhraseIds

EXCLUDE = "exclude"
PATTERN_KEYS = {"id", "code", "role", "weight", "phrase", "comparative", "segments"}


class GapSegment(NamedTuple):
    """The phrasings of one non-anchor segment of a gap pattern, as LOWER ids, with what
    ``_extend`` checks first: a phrasing can only start (end) where its first (last) word
    is, so most positions are rejected by one set lookup."""

    variants: set[tuple[int, ...]]
    lengths: tuple[int, ...]
    firsts: frozenset[int]
    lasts: frozenset[int]


# What a matcher key stands for: the pattern's Match (offsets 0), its anchor segment and,
# for a pattern with gaps, all its segments.
Entry = tuple[Match, int, list[GapSegment] | None]


class _Lower:
    """LOWER ids of a doc's tokens, read one token at a time and only where a gap pattern
    needs them (``Doc.to_array`` costs more than the few tokens looked at)."""

    __slots__ = ("doc", "ids", "n")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.n = len(doc)
        self.ids: dict[int, int] = {}

    def __getitem__(self, i: int) -> int:
        found = self.ids.get(i)
        if found is None:
            found = self.ids[i] = self.doc[i].lower
        return found

    def window(self, start: int, stop: int) -> tuple[int, ...]:
        """Like ``tuple(lower[start:stop])`` for 0 <= start: cut at the doc's end."""
        return tuple([self[i] for i in range(start, min(stop, self.n))])


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
        self.revision = 0
        self.clear()

    def clear(self) -> None:
        self.patterns: list[dict[str, Any]] = []
        self._by_id: dict[str, dict[str, Any]] = {}
        self._entries: dict[int, tuple[Entry, ...]] = {}  # key -> (its entry,)
        # (key, pattern phrasings as LOWER ids) as given to the PhraseMatcher, for a
        # matcher shared with other components (``scanner.Scanner``); ``revision`` tells it
        # when to rebuild.
        self.anchors: list[tuple[str, list[Phrase]]] = []
        self.revision += 1
        self._built: PhraseMatcher | None = None

    @property
    def _matcher(self) -> PhraseMatcher:
        """The PhraseMatcher of the anchors, built on first use: on the blank pipeline the
        scanner's combined matcher does this work, and building both cost time at start."""
        if self._built is None:
            built = PhraseMatcher(self.nlp.vocab, attr="LOWER")
            for key, phrases in self.anchors:
                built.add(key, phrases)
            self._built = built
        return self._built

    def __len__(self) -> int:
        return len(self.patterns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({p["code"] for p in self.patterns}))

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        """Add compiled pattern dicts; a ValueError names the first bad one."""
        strings = self.nlp.vocab.strings
        ids = PhraseIds(self.nlp).ids
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
            segments = [[ids(v) for v in variants] for variants in pattern["segments"]]
            # Only the rarest-looking segment goes to the PhraseMatcher; the others are
            # checked around its hits ("refer * to": finding every "to" costs time).
            anchor = (
                max(range(len(segments)), key=lambda i: _rarity(pattern["segments"][i]))
                if len(segments) > 1
                else 0
            )
            key = f"{pattern['id']}@{anchor}"
            self.anchors.append((key, segments[anchor]))
            others = [_segment(set(seg)) for seg in segments]
            entry = (record, anchor, others if len(segments) > 1 else None)
            self._entries[strings.add(key)] = (entry,)
        self._built = None
        self.revision += 1

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
        matches = self.find(doc, self._matcher(doc))
        doc._.sp_matches = matches
        if self.spans_key:
            doc.spans[self.spans_key] = [
                Span(doc, m.start, m.end, label=m.code, kb_id=m.role, span_id=m.pattern_id)
                for m in matches
            ]
        return doc

    def find(
        self,
        doc: Doc,
        hits: list[tuple[int, int, int]],
        entries: dict[int, tuple[Entry, ...]] | None = None,
    ) -> list[Match]:
        """The matches of ``doc`` from PhraseMatcher ``hits`` of this matcher's keys, in
        the matcher's order (the order decides which of two equal matches is kept), or
        of the keys of ``entries`` (see ``phrase_groups``)."""
        if not hits:
            return []
        found: list[Match] = []
        lower: _Lower | None = None
        table = self._entries if entries is None else entries
        new = tuple.__new__
        for key, start, end in hits:
            for record, anchor, segments in table[key]:
                if segments is None:
                    code, role, _, _, pattern_id, weight, comparative = record
                    found.append(
                        new(Match, (code, role, start, end, pattern_id, weight, comparative))
                    )
                    continue
                if lower is None:
                    lower = _Lower(doc)
                for s, e in self._extend(segments, anchor, lower, start, end):
                    found.append(record._replace(start=s, end=e))
        return _drop_contained(found)

    def phrase_groups(self) -> list[tuple[str, list[Phrase], tuple[Entry, ...]]]:
        """The anchor phrasings grouped by what they stand for: (key, phrasings, entries)
        with each distinct phrasing in exactly one group, for a matcher that should report
        each phrasing once (``scanner.Scanner``): ``find`` with these entries gives the
        same matches as this matcher's own hits. (One key per group rather than per
        phrasing: a key costs far more to add than a phrasing, and a phrasing still
        holds one key, so hits come in the same order.)

        Where patterns share a phrasing, this matcher reports their keys in its hash
        table's order, and that order decides which of two equal matches is kept: it is
        read from the matcher itself. Of a code's patterns ending on the same words only
        the first is kept by ``_drop_contained`` (an exclude phrase first), so the others
        are left out here. That order depends only on which keys were added on a phrasing,
        and in which order, so a matcher of just the shared phrasings tells it (building
        the whole matcher for this cost a third of a second at every start)."""
        strings = self.nlp.vocab.strings
        phrases: dict[Phrase, list[int]] = {}
        for key, variants in self.anchors:
            key_id = strings[key]
            for phrase in variants:
                keys = phrases.setdefault(phrase, [])
                if key_id not in keys:
                    keys.append(key_id)
        shared = {phrase for phrase, keys in phrases.items() if len(keys) > 1}
        probe = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for key, variants in self.anchors:
            mine = [phrase for phrase in variants if phrase in shared]
            if mine:
                probe.add(key, mine)
        groups: dict[tuple[int, ...], list[Phrase]] = {}
        for phrase, keys in phrases.items():
            if len(keys) > 1:
                doc = Doc(self.nlp.vocab, words=[strings[i] for i in phrase])
                ordered = [k for k, s, e in probe(doc) if s == 0 and e == len(doc)]
                if sorted(ordered) != sorted(keys):  # the matcher should hold exactly these
                    raise RuntimeError(f"phrase {doc.text!r}: matcher keys out of step")
                keys = ordered
            groups.setdefault(tuple(keys), []).append(phrase)
        return [
            (f"phrase#{i}", variants, _winners([self._entries[k][0] for k in keys]))
            for i, (keys, variants) in enumerate(groups.items())
        ]

    def _extend(
        self,
        segments: list[GapSegment],
        anchor: int,
        lower: _Lower,
        start: int,
        end: int,
    ) -> list[tuple[int, int]]:
        """Grow an anchor hit into whole matches: each other segment must follow (or
        precede) the previous one with at most ``max_gap`` tokens between."""
        spans = [(start, end)]
        gap = self.max_gap
        ids, doc, n_tokens = lower.ids, lower.doc, lower.n
        for i in range(anchor + 1, len(segments)):
            variants, lengths, firsts, _ = segments[i]
            grown = []
            for s, e in spans:
                # Past the doc's end the window is empty and matches no phrasing.
                for p in range(e, min(e + gap + 1, n_tokens)):
                    word = ids.get(p)
                    if word is None:
                        word = ids[p] = doc[p].lower
                    if word in firsts:
                        for n in lengths:
                            if lower.window(p, p + n) in variants:
                                grown.append((s, p + n))
            spans = grown
        for i in range(anchor - 1, -1, -1):
            variants, lengths, _, lasts = segments[i]
            grown = []
            for s, e in spans:
                # Every phrasing ending at q has its last word at q - 1.
                for q in range(max(s - gap, 1), s + 1):
                    word = ids.get(q - 1)
                    if word is None:
                        word = ids[q - 1] = doc[q - 1].lower
                    if word in lasts:
                        for n in lengths:
                            if q - n >= 0 and lower.window(q - n, q) in variants:
                                grown.append((q - n, e))
            spans = grown
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


def _segment(variants: set[tuple[int, ...]]) -> GapSegment:
    # ``lengths`` keeps the iteration order of the set it was always built as, so the
    # grown spans come out in the same order as before.
    lengths = tuple({len(v) for v in variants})
    firsts = frozenset(v[0] for v in variants if v)
    lasts = frozenset(v[-1] for v in variants if v)
    return GapSegment(variants, lengths, firsts, lasts)


def _winners(entries: list[Entry]) -> tuple[Entry, ...]:
    """``entries`` found on the same words without those ``_drop_contained`` would drop
    whatever else is found: per code, of the patterns without gaps, all but the first
    exclude phrase, or the first pattern when there is none. Order is kept."""
    excluded = {e[0].code for e in entries if e[2] is None and e[0].role == EXCLUDE}
    seen: set[str] = set()
    kept = []
    for entry in entries:
        record, _, segments = entry
        if segments is None:
            code = record.code
            if code in seen or (code in excluded and record.role != EXCLUDE):
                continue
            seen.add(code)
        kept.append(entry)
    return tuple(kept)


def _order(m: Match) -> tuple[int, int, bool]:
    # By position (a Match is a tuple: start and end are items 2 and 3), longer first,
    # an exclude phrase before the pattern it shadows.
    return m[2], -m[3], m[1] != EXCLUDE


def _drop_contained(matches: list[Match]) -> list[Match]:
    """Within a code the longest match wins: drop a match lying inside a longer one of
    its code ("low self-esteem" over "self-esteem") or inside one of its code's exclude
    phrases ("learning disability"), and duplicates; then drop the exclude phrases.
    Codes do not shadow each other."""
    if len(matches) > 1:
        matches.sort(key=_order)
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
