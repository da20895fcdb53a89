"""``sp_polarity``: reads, for each codebook match, whether the sentence reports a change.

Only sentences that hold a match are read. For each match the reader looks at cue words
near it (same clause, a few tokens either side) and in the rest of its sentence, and
turns them into a verdict: improved, worsened, unchanged, or nothing (the sentence only
names a need, a wish or the service). The decision itself is ``judge`` in
``spstories.core.nlp.verdict``; this module finds the cues and writes the evidence.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from spstories.core.nlp.cues import DEFAULT_CUES, WORD_CLASSES
from spstories.core.nlp.extensions import Evidence, Match
from spstories.core.nlp.patterns import expand_segment, parse_phrase
from spstories.core.nlp.sentences import SentenceIndex
from spstories.core.nlp.verdict import Cue, SentenceCues, judge

@dataclass(frozen=True, slots=True)
class DocCues:
    """Cue hits of a whole doc as (start, -end, key), sorted, and classed words."""

    starts: list[int]
    hits: list[tuple[int, int, int]]
    positions: list[int]
    classes: dict[int, frozenset[str]]


class PolarityReader:
    """Writes ``doc._.sp_evidence``: one Evidence per match that reports an outcome."""

    def __init__(self, nlp: Language, name: str = "sp_polarity", *,
                 cues: dict[str, list[str]] | None = None, polar: bool = True) -> None:
        self.nlp = nlp
        self.name = name
        self.polar = polar
        self.set_cues(cues or DEFAULT_CUES)

    def set_cues(self, cues: dict[str, list[str]]) -> None:
        """Compile cue phrases into a PhraseMatcher over LOWER (run only on docs with a
        codebook match), and the grammar word classes into a hash lookup."""
        unknown = set(cues) - set(DEFAULT_CUES)
        if unknown:
            raise ValueError(f"unknown cue categories {sorted(unknown)}; "
                             f"expected some of {sorted(DEFAULT_CUES)}")
        self.cues = {category: list(phrases) for category, phrases in cues.items()}
        vocab = self.nlp.vocab
        table: dict[tuple[str, ...], set[str]] = {}
        for category, phrases in self.cues.items():
            for phrase in phrases:
                for segment in parse_phrase(phrase):
                    for text, _ in expand_segment(segment):
                        words = tuple(t.lower_ for t in self.nlp.tokenizer(text))
                        table.setdefault(words, set()).add(category)
        self._cue_matcher = PhraseMatcher(vocab, attr="LOWER")
        self._categories: dict[int, frozenset[str]] = {}
        for words, categories in table.items():
            key = " ".join(words)
            self._cue_matcher.add(key, [Doc(vocab, words=list(words))])
            self._categories[vocab.strings[key]] = frozenset(categories)
        classes: dict[int, set[str]] = {}
        for word_class, words in WORD_CLASSES.items():
            for word in words:
                classes.setdefault(vocab.strings.add(word), set()).add(word_class)
        self._classes = {key: frozenset(value) for key, value in classes.items()}
        self._class_ids = np.array(sorted(self._classes), dtype=np.uint64)

    def read_doc(self, doc: Doc) -> DocCues:
        """Every cue and classed word of a doc, sorted, for ``read_sentence``."""
        hits = sorted(((s, -e, key) for key, s, e in self._cue_matcher(doc)))
        lower = doc.to_array(LOWER)
        positions = np.flatnonzero(np.isin(lower, self._class_ids)).tolist()
        classes = {i: self._classes[int(lower[i])] for i in positions}
        return DocCues([s for s, _, _ in hits], hits, positions, classes)

    def read_sentence(self, doc: Doc, start: int, end: int, found: DocCues | None = None
                      ) -> SentenceCues:
        """Cues of doc[start:end] (at each position the longest phrase, then past it),
        its clause breaks and its words' classes."""
        found = found or self.read_doc(doc)
        cues: list[Cue] = []
        taken = start
        for s, neg_end, key in found.hits[bisect_left(found.starts, start):]:
            if s >= end:
                break
            if s >= taken and -neg_end <= end:
                cues.append(Cue(self._categories[key], s, -neg_end))
                taken = -neg_end
        lo = bisect_left(found.positions, start)
        hi = bisect_left(found.positions, end)
        classes = {i: found.classes[i] for i in found.positions[lo:hi]}
        breaks = [i for i, c in classes.items() if "clause" in c
                  or ("dash" in c and i > start and doc[i - 1].whitespace_)]
        return SentenceCues(start, end, cues, breaks, classes=classes)

    def __call__(self, doc: Doc) -> Doc:
        matches = doc._.sp_matches
        if not matches:
            doc._.sp_evidence = []
            return doc
        index = SentenceIndex(doc)
        by_sentence: dict[tuple[int, int], list[Match]] = {}
        for match in matches:
            by_sentence.setdefault(index.sentence_of(match.start), []).append(match)
        found = self.read_doc(doc) if self.polar else None
        evidence = []
        for bounds, in_sentence in by_sentence.items():
            sent_start, sent_end = index.chars(*bounds)
            cues = None
            if found is not None:
                cues = self.read_sentence(doc, *bounds, found)
                cues.terms = [(m.start, m.end) for m in in_sentence]
            for match in in_sentence:
                if cues is None:  # codes without direction: every match is evidence
                    verdict: tuple[str | None, float, str] | None = (None, match.weight,
                                                                      "term")
                else:
                    verdict = judge(match, cues)
                if verdict is None:
                    continue
                polarity, score, cue = verdict
                span = doc[match.start : match.end]
                evidence.append(Evidence(match.code, polarity, span.start_char,
                                         span.end_char, sent_start, sent_end, score, cue,
                                         match.pattern_id))
        doc._.sp_evidence = evidence
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cues.json", self.cues)
        srsly.write_json(path / "cfg", {"polar": self.polar})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> PolarityReader:
        self.polar = bool(srsly.read_json(Path(path) / "cfg")["polar"])
        self.set_cues(srsly.read_json(Path(path) / "cues.json"))
        return self


@Language.factory(
    "sp_polarity",
    assigns=["doc._.sp_evidence"],
    requires=["doc._.sp_matches"],
    default_config={"cues": None, "polar": True},
)
def make_polarity_reader(nlp: Language, name: str, cues: dict[str, Any] | None, polar: bool
                         ) -> PolarityReader:
    return PolarityReader(nlp, name, cues=cues, polar=polar)
