"""``sp_polarity``: reads, for each codebook match, whether the sentence reports a change.

Only sentences that hold a match are read. For each match the reader looks at cue words
near it (same clause, a few tokens either side) and in the rest of its sentence, and
turns them into a verdict: improved, worsened, unchanged, or nothing (the sentence only
names a need, a wish or the service). The decision itself is ``judge`` in
``spstories.core.nlp.verdict``; this module finds the cues and writes the evidence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from spstories.core.nlp.cues import DEFAULT_CUES, WORD_CLASSES
from spstories.core.nlp.extensions import Evidence, Match
from spstories.core.nlp.patterns import expand_segment, parse_phrase
from spstories.core.nlp.phrases import Phrase, PhraseIds
from spstories.core.nlp.sentences import (
    CLOSERS,
    NEWLINES,
    TERMINALS,
    SentenceIndex,
    sentence_starts,
)
from spstories.core.nlp.verdict import Cue, DocCues, SentenceCues, judge


class PolarityReader:
    """Writes ``doc._.sp_evidence``: one Evidence per match that reports an outcome."""

    def __init__(
        self,
        nlp: Language,
        name: str = "sp_polarity",
        *,
        cues: dict[str, list[str]] | None = None,
        polar: bool = True,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.polar = polar
        self.revision = 0
        self.set_cues(cues or DEFAULT_CUES)

    def set_cues(self, cues: dict[str, list[str]]) -> None:
        """Compile cue phrases and single-word classes into one PhraseMatcher over LOWER
        (run only on docs with a codebook match)."""
        unknown = set(cues) - set(DEFAULT_CUES)
        if unknown:
            raise ValueError(
                f"unknown cue categories {sorted(unknown)}; expected some of {sorted(DEFAULT_CUES)}"
            )
        self.cues = {category: list(phrases) for category, phrases in cues.items()}
        vocab = self.nlp.vocab
        ids = PhraseIds(self.nlp).ids
        table: dict[Phrase, set[str]] = {}
        for category, phrases in self.cues.items():
            for phrase in phrases:
                for segment in parse_phrase(phrase):
                    for text, _ in expand_segment(segment):
                        table.setdefault(ids(text), set()).add(category)
        classes: dict[Phrase, set[str]] = {}
        word_classes = {**WORD_CLASSES, "terminal": TERMINALS, "closer": CLOSERS, "space": NEWLINES}
        for word_class, words in word_classes.items():
            for word in words:
                classes.setdefault((vocab.strings.add(word),), set()).add(word_class)
        # One PhraseMatcher finds cue phrases and classed words alike, in C; Python only
        # sees the hits. A key may be both ("never" is a negation and a class). (A dict
        # lookup per token over the LOWER column was measured slower.)
        self._matcher = PhraseMatcher(vocab, attr="LOWER")
        # Per key: its cue categories (None when only a word class) and its word classes.
        self._kinds: dict[int, tuple[frozenset[str] | None, tuple[str, ...]]] = {}
        # (key, pattern phrasings as LOWER ids) as given to the PhraseMatcher, for a matcher
        # shared with the codebook's patterns (``scanner.Scanner``); ``revision`` says when
        # to rebuild.
        self.phrases: list[tuple[str, list[Phrase]]] = []
        self.revision += 1
        # One key per kind of phrase (its categories and classes), not per phrase: adding
        # a key costs far more than adding a phrase, and hits need only the kind.
        by_kind: dict[tuple[frozenset[str], frozenset[str]], list[Phrase]] = {}
        for words in sorted(table.keys() | classes.keys()):
            kind = (frozenset(table.get(words, ())), frozenset(classes.get(words, ())))
            by_kind.setdefault(kind, []).append(words)
        for i, ((categories, word_classes), phrases) in enumerate(by_kind.items()):
            key = f"cue#{i}"
            self._matcher.add(key, phrases)
            self.phrases.append((key, phrases))
            self._kinds[vocab.strings[key]] = (categories or None, tuple(word_classes))

    def read_doc(self, doc: Doc) -> tuple[DocCues, list[int]]:
        """The doc's cues (at each position the longest phrase, then past it), its word
        classes and its sentence starts."""
        return self.read_hits(doc, self._matcher(doc))

    def read_hits(
        self,
        doc: Doc,
        hits: list[tuple[int, int, int]],
        others: list[tuple[int, int, int]] | None = None,
    ) -> tuple[DocCues, list[int]]:
        """``read_doc`` from PhraseMatcher ``hits``. Hits of keys that are not this
        reader's (a matcher shared with the codebook's patterns) go to ``others`` when
        given, in order: one pass over the hits serves both."""
        # Only classes that occur get a list (``"dash" in positions`` is read below).
        positions: defaultdict[str, list[int]] = defaultdict(list)
        cues: list[Cue] = []
        cue_starts: list[int] = []
        taken = 0
        last = -1  # start of the last cue kept
        kinds = self._kinds
        new = tuple.__new__
        keep = others.append if others is not None else None
        # Hits come by start, and at one start shorter before longer: so positions stay
        # sorted and the longest phrase at a position replaces the shorter one.
        for hit in hits:
            kind = kinds.get(hit[0])
            if kind is None:
                if keep is not None:
                    keep(hit)
                continue
            categories, classes = kind
            start = hit[1]
            for word_class in classes:
                positions[word_class].append(start)
            if categories is None:
                continue
            if last == start:
                cues[-1] = new(Cue, (categories, start, hit[2]))
                taken = hit[2]
            elif start >= taken:
                cues.append(new(Cue, (categories, start, hit[2])))
                cue_starts.append(start)
                taken = hit[2]
                last = start
        starts = sentence_starts(
            doc,
            positions.get("terminal", []),
            positions.get("closer", ()),
            positions.get("space", ()),
        )
        breaks = positions.get("clause", [])
        if "dash" in positions:  # a spaced dash ("tips - getting back") splits clauses
            spaced = [i for i in positions["dash"] if i and doc[i - 1].whitespace_]
            breaks = sorted(breaks + spaced)
        return DocCues(cues, breaks, positions, cue_starts), starts

    def read_sentence(self, doc: Doc, start: int, end: int) -> SentenceCues:
        """The cues of doc[start:end] (reads the whole doc; for tests and inspection)."""
        return SentenceCues(start, end, self.read_doc(doc)[0])

    def __call__(self, doc: Doc) -> Doc:
        matches = doc._.sp_matches
        doc._.sp_evidence = self.evidence(doc, matches, self._matcher) if matches else []
        return doc

    def evidence(
        self,
        doc: Doc,
        matches: list[Match],
        hits: list[tuple[int, int, int]] | PhraseMatcher | tuple[DocCues, list[int]],
        parsed: bool | None = None,
    ) -> list[Evidence]:
        """One Evidence per match that reports an outcome. ``hits`` are the doc's cue
        hits, the matcher to find them with (only needed when there are matches), or
        what ``read_hits`` made of them; ``parsed`` as for ``SentenceIndex``."""
        if isinstance(hits, PhraseMatcher):
            hits = hits(doc)
        found, starts = hits if isinstance(hits, tuple) else self.read_hits(doc, hits)
        by_sentence: dict[tuple[int, int], list[Match]] = {}
        index = SentenceIndex(doc, starts, parsed)
        if index.parsed:
            for match in matches:
                by_sentence.setdefault(index.sentence_of(match[2]), []).append(match)
        else:  # ``index.sentence_of`` written out: it runs for every match
            n_starts, n_tokens = len(starts), len(doc)
            for match in matches:
                i = bisect_right(starts, match[2])
                sentence = starts[i - 1], starts[i] if i < n_starts else n_tokens
                group = by_sentence.get(sentence)
                if group is None:
                    by_sentence[sentence] = [match]
                else:
                    group.append(match)

        def words(i: int) -> str:
            return doc[i].lower_

        evidence = []
        polar = self.polar
        new = tuple.__new__
        for (start, end), in_sentence in by_sentence.items():
            sentence = SentenceCues(start, end, found, [m[2:4] for m in in_sentence], words)
            chars: tuple[int, int] | None = None
            for match in in_sentence:
                if polar:
                    verdict = judge(match, sentence)
                    if verdict is None:
                        continue
                    polarity, score, cue = verdict
                else:  # codes without direction: every match is evidence
                    polarity, score, cue = None, match.weight, "term"
                if chars is None:
                    last = doc[end - 1]
                    chars = doc[start].idx, last.idx + len(last)
                code, _, m_start, m_end, pattern_id, _, _ = match
                evidence.append(
                    new(
                        Evidence,
                        (code, polarity, m_start, m_end, *chars, score, cue, pattern_id),
                    )
                )
        return evidence

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
def make_polarity_reader(
    nlp: Language, name: str, cues: dict[str, Any] | None, polar: bool
) -> PolarityReader:
    return PolarityReader(nlp, name, cues=cues, polar=polar)
