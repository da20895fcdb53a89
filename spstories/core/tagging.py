"""The one entry point that web, CLI and services call to tag text with a codebook.

A tagger is built from a codebook by kind ("rules" now; a learned model can register
another kind with ``register_tagger`` and plug in behind the same interface). Built
taggers are cached per (kind, codebook content, options): building spaCy is not free and
the web app tags every submission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from threading import Lock
from typing import Any, NamedTuple, Protocol, runtime_checkable

from spacy.language import Language
from spacy.tokens import Doc

from spstories.core.codebook import Codebook
from spstories.core.nlp.extensions import Evidence
from spstories.core.nlp.matcher import CodebookMatcher
from spstories.core.nlp.pipeline import MATCHER, POLARITY, build_nlp
from spstories.core.nlp.polarity import PolarityReader
from spstories.core.nlp.scanner import Scanner
from spstories.core.nlp.sentences import trim
from spstories.core.tags import Polarity, Tag

_POLARITY: dict[str | None, Polarity] = {p.value: p for p in Polarity}
# Chosen on the development set (docs/tagger.md): below it precision falls faster than
# recall rises, and precision matters more for the counts shown to commissioners.
DEFAULT_MIN_SCORE = 0.5


@runtime_checkable
class Tagger(Protocol):
    """What every kind of tagger offers."""

    kind: str
    codebook: Codebook

    @property
    def codebook_id(self) -> str: ...

    @property
    def codebook_version(self) -> str: ...

    def tag(self, text: str) -> list[Tag]: ...

    def tag_many(self, texts: Iterable[str]) -> Iterator[list[Tag]]: ...

    def rollup(self, code: str) -> str: ...


class CodebookTagger:
    """What every tagger says about the codebook it tags with."""

    codebook: Codebook

    @property
    def codebook_id(self) -> str:
        return self.codebook.id

    @property
    def codebook_version(self) -> str:
        return self.codebook.version

    def rollup(self, code: str) -> str:
        return self.codebook.rollup(code)


class RuleTagger(CodebookTagger):
    """Codebook patterns plus the polarity reader, on a spaCy pipeline without a model."""

    kind = "rules"
    source = "rule"

    def __init__(
        self, codebook: Codebook, nlp: Language, *, min_score: float = DEFAULT_MIN_SCORE
    ) -> None:
        self.codebook = codebook
        self.nlp = nlp
        self.min_score = min_score
        self._ancestors = {code.id: _ancestors(codebook, code.id) for code in codebook.codes}
        self._nested = any(code.parent for code in codebook.codes)
        self._scanner: Scanner | None = None

    @classmethod
    def from_codebook(
        cls, codebook: Codebook, *, base: str | None = None, min_score: float = DEFAULT_MIN_SCORE
    ) -> RuleTagger:
        return cls(codebook, build_nlp(codebook, base=base), min_score=min_score)

    def tag(self, text: str) -> list[Tag]:
        """Tags of one text, highest score first; offsets index into ``text``."""
        scanner = self._fast()
        if scanner is None:
            return self.tags_of(self.nlp(text), text)
        return self._tags(scanner.evidence(self.nlp.make_doc(text)), text)

    def tag_many(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Tag]]:
        """Tags of each text in order, streaming through ``nlp.pipe`` (or, on the blank
        pipeline, through the tokenizer and one scan; see ``nlp.scanner``)."""
        scanner = self._fast()
        if scanner is None:
            for tags, _ in self.analyse_many(texts, batch_size):
                yield tags
            return
        # Each step over a batch, not each text through all steps: the tokenizer's and the
        # matcher's tables then stay in the CPU's caches (timing the steps separately,
        # the steps after the tokenizer cost about 20% less in batches of 64 than text by
        # text; between 16 and 256 the benchmark cannot tell batch sizes apart).
        make_doc, evidence, tags = self.nlp.make_doc, scanner.evidence, self._tags
        batches = iter(texts)
        while batch := list(islice(batches, max(1, batch_size))):
            docs = [make_doc(text) for text in batch]
            found = [evidence(doc) for doc in docs]
            del docs  # the tags need only the texts
            yield from map(tags, found, batch)

    def analyse_many(
        self, texts: Iterable[str], batch_size: int = 64
    ) -> Iterator[tuple[list[Tag], list[PatternMatch]]]:
        """Each text's tags and every codebook pattern found in it, judged or not, as
        (start, end, code, role) in characters: what a learned model reads beside the
        words."""
        scanner = self._fast()
        batches = iter(texts)
        while batch := list(islice(batches, max(1, batch_size))):
            if scanner is None:
                docs = list(self.nlp.pipe(batch, batch_size=batch_size))
                scanned = [(doc._.sp_matches or [], doc._.sp_evidence or []) for doc in docs]
            else:
                docs = [self.nlp.make_doc(text) for text in batch]
                scanned = [scanner.scan(doc) for doc in docs]
            for doc, text, (matches, evidence) in zip(docs, batch, scanned, strict=True):
                yield self._tags(evidence, text), [_characters(doc, m) for m in matches]

    def _fast(self) -> Scanner | None:
        """The scanner when the pipeline is just the tokenizer and this package's two
        components (the blank base); None when other components (a trained parser) must
        run through ``nlp.pipe``."""
        nlp = self.nlp
        if nlp.pipe_names != [MATCHER, POLARITY]:
            return None
        matcher, reader = nlp.get_pipe(MATCHER), nlp.get_pipe(POLARITY)
        if not isinstance(matcher, CodebookMatcher) or not isinstance(reader, PolarityReader):
            return None
        scanner = self._scanner
        if (
            scanner is None
            or scanner.matcher is not matcher
            or scanner.reader is not reader
            or not scanner.current()
        ):
            scanner = self._scanner = Scanner(matcher, reader)
        return scanner

    def tags_of(self, doc: Doc, text: str | None = None) -> list[Tag]:
        """One tag per (sentence, code, polarity), the best-scoring evidence kept.
        ``text`` is the doc's text when the caller has it (Doc.text is rebuilt per call)."""
        evidence = doc._.sp_evidence
        if not evidence:
            return []
        return self._tags(evidence, doc.text if text is None else text)

    def _tags(self, evidence: list[Evidence], text: str) -> list[Tag]:
        if not evidence:
            return []
        best: dict[tuple[int, int, str, str | None], float] = {}
        min_score = self.min_score
        for code, pol, _, _, s, e, score, _, _ in evidence:
            if score < min_score:
                continue
            key = (s, e, code, pol)
            best[key] = max(best.get(key, 0.0), score)
        if not best:
            return []
        # A sub-code found in a sentence makes its ancestors' tags there redundant.
        ancestors = self._ancestors
        redundant = (
            {(s, e, ancestor, pol) for (s, e, code, pol) in best for ancestor in ancestors[code]}
            if self._nested
            else set()
        )
        tags = []
        source, codebook, version = self.source, self.codebook.id, self.codebook.version
        for key, score in best.items():
            if key in redundant:
                continue
            s, e, code, pol = key
            s, e = trim(text, s, e)
            tags.append(
                Tag(
                    code,
                    _POLARITY.get(pol),
                    s,
                    e,
                    text[s:e],
                    round(score, 3),
                    source,
                    codebook,
                    version,
                )
            )
        if len(tags) > 1:
            tags.sort(key=_tag_order)
        return tags


class PatternMatch(NamedTuple):
    """A codebook pattern found in a text (character offsets), before polarity is read."""

    start: int
    end: int
    code: str
    role: str


def _characters(doc: Doc, match: Any) -> PatternMatch:
    last = doc[match.end - 1]
    return PatternMatch(doc[match.start].idx, last.idx + len(last), match.code, match.role)


def _tag_order(tag: Tag) -> tuple[float, int, str]:
    return -tag.score, tag.start, tag.code


def _ancestors(codebook: Codebook, code: str) -> tuple[str, ...]:
    found = []
    parent = codebook.code(code).parent
    while parent is not None:
        found.append(parent)
        parent = codebook.code(parent).parent
    return tuple(found)


TaggerFactory = Callable[..., Tagger]
_FACTORIES: dict[str, TaggerFactory] = {"rules": RuleTagger.from_codebook}
_CACHE: dict[tuple[Any, ...], Tagger] = {}
_LOCK = Lock()


def register_tagger(kind: str, factory: TaggerFactory) -> None:
    """Make ``build_tagger(codebook, kind=kind)`` call ``factory(codebook, **options)``."""
    _FACTORIES[kind] = factory


def tagger_kinds() -> list[str]:
    return sorted(_FACTORIES)


def build_tagger(codebook: Codebook, kind: str = "rules", **options: Any) -> Tagger:
    """The tagger of ``kind`` for ``codebook``, built once per codebook content."""
    if kind not in _FACTORIES:
        raise ValueError(f"unknown tagger {kind!r}; choose from {', '.join(tagger_kinds())}")
    key = (kind, codebook.digest or codebook, tuple(sorted(options.items())))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _FACTORIES[kind](codebook, **options)
        return _CACHE[key]
