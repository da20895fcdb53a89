"""``sp_polarity``: reads, for each codebook match, whether the sentence reports a change.

Only sentences that hold a match are read. For each match the reader looks at cue words
near it (same clause, a few tokens either side) and in the rest of its sentence, and
turns them into a verdict: improved, worsened, unchanged, or nothing (the sentence only
names a need, a wish or the service). The decision itself is ``judge`` in
``spstories.core.nlp.verdict``; this module finds the cues and writes the evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.tokens import Doc

from spstories.core.nlp.cues import DEFAULT_CUES
from spstories.core.nlp.extensions import Evidence, Match
from spstories.core.nlp.patterns import expand_segment, parse_phrase
from spstories.core.nlp.sentences import SentenceIndex
from spstories.core.nlp.verdict import Cue, SentenceCues, judge

_CLAUSE_WORDS = frozenset({",", ";", ":", "(", ")", "–", "—", "but", "although", "though",
                           "however", "whereas", "whilst", "while"})


class PolarityReader:
    """Writes ``doc._.sp_evidence``: one Evidence per match that reports an outcome."""

    def __init__(self, nlp: Language, name: str = "sp_polarity", *,
                 cues: dict[str, list[str]] | None = None, polar: bool = True) -> None:
        self.nlp = nlp
        self.name = name
        self.polar = polar
        self.set_cues(cues or DEFAULT_CUES)

    def set_cues(self, cues: dict[str, list[str]]) -> None:
        """Compile cue phrases into a first-token index of token tuples."""
        unknown = set(cues) - set(DEFAULT_CUES)
        if unknown:
            raise ValueError(f"unknown cue categories {sorted(unknown)}; "
                             f"expected some of {sorted(DEFAULT_CUES)}")
        self.cues = {category: list(phrases) for category, phrases in cues.items()}
        table: dict[tuple[str, ...], set[str]] = {}
        for category, phrases in self.cues.items():
            for phrase in phrases:
                for segment in parse_phrase(phrase):
                    for text, _ in expand_segment(segment):
                        words = tuple(t.lower_ for t in self.nlp.tokenizer(text))
                        table.setdefault(words, set()).add(category)
        self._index: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        for words, categories in table.items():
            self._index.setdefault(words[0], []).append((words, frozenset(categories)))
        for entries in self._index.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def read_sentence(self, doc: Doc, start: int, end: int) -> SentenceCues:
        """Cues of doc[start:end], longest phrase first, and its clause breaks."""
        lower = [t.lower_ for t in doc[start:end]]
        found: list[Cue] = []
        breaks: list[int] = []
        i = 0
        while i < len(lower):
            word = lower[i]
            if word in _CLAUSE_WORDS or (word == "-" and doc[start + i - 1].whitespace_):
                breaks.append(start + i)
            for words, categories in self._index.get(word, ()):
                n = len(words)
                if tuple(lower[i : i + n]) == words:
                    found.append(Cue(categories, start + i, start + i + n))
                    i += n - 1
                    break
            i += 1
        return SentenceCues(start, end, lower, found, breaks)

    def __call__(self, doc: Doc) -> Doc:
        matches = doc._.sp_matches
        if not matches:
            doc._.sp_evidence = []
            return doc
        index = SentenceIndex(doc)
        by_sentence: dict[tuple[int, int], list[Match]] = {}
        for match in matches:
            by_sentence.setdefault(index.sentence_of(match.start), []).append(match)
        evidence = []
        for bounds, found in by_sentence.items():
            sent_start, sent_end = index.chars(*bounds)
            cues = self.read_sentence(doc, *bounds) if self.polar else None
            if cues is not None:
                cues.terms = [(m.start, m.end) for m in found]
            for match in found:
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
