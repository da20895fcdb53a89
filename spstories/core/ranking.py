"""Single-label ranking: the leaf codes of a codebook ordered by fit to one passage.

For codebooks like sp-data-practice a researcher wants the best-fitting subtheme first.
Each leaf gets a score from two sources, averaged:

- lexical similarity (TF-IDF cosine over lemmas, unigrams and bigrams) between the
  passage and the code's profile: its label, definition, include notes, patterns and
  positive examples, plus its parent theme's label and definition;
- the code's patterns found in the passage by the tagger (1 - exp(-sum of weights)),
  a pattern on a theme counting half for each of its subthemes.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from threading import Lock

from spstories.core.codebook import Code, Codebook
from spstories.core.nlp.inflect import lemma
from spstories.core.tagging import Tagger, build_tagger

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_SYNTAX = re.compile(r"[|*\[\]=]")
SIMILARITY_WEIGHT = 0.5


def _analyse(text: str) -> list[str]:
    """Lemmas without stop words, as unigrams and bigrams."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = [lemma(w) for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def profile(codebook: Codebook, code: Code) -> str:
    """The text a code is compared with: what the codebook says about it."""
    parts = [code.label, code.definition, *code.include]
    parts += [_SYNTAX.sub(" ", p.phrase) for p in code.patterns if p.role != "exclude"]
    parts += [ex.text for ex in code.examples if ex.expect == "positive"]
    if code.parent is not None:
        parent = codebook.code(code.parent)
        parts += [parent.label, parent.definition]
    return "\n".join(parts)


class Ranker:
    """Ranks a codebook's leaf codes for passages; build once, call ``rank`` often."""

    def __init__(self, codebook: Codebook, tagger: Tagger | None = None) -> None:
        # Imported here: tagging an outcomes codebook must not pay for scikit-learn.
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.codebook = codebook
        self.tagger = tagger or build_tagger(codebook)
        self.leaves = [code.id for code in codebook.leaves()]
        self._vectorizer = TfidfVectorizer(analyzer=_analyse, sublinear_tf=True)
        self._profiles = self._vectorizer.fit_transform(
            [profile(codebook, codebook.code(code)) for code in self.leaves]
        )

    def _pattern_scores(self, passage: str) -> dict[str, float]:
        weights: dict[str, float] = defaultdict(float)
        leaves = set(self.leaves)
        for tag in self.tagger.tag(passage):
            if tag.code in leaves:
                weights[tag.code] += tag.score
                continue
            for child in self.leaves:  # a theme's pattern speaks for all its subthemes
                if self.codebook.within(child, tag.code):
                    weights[child] += tag.score / 2
        return {code: 1 - math.exp(-w) for code, w in weights.items()}

    def rank(self, passage: str) -> list[tuple[str, float]]:
        """(leaf code, score in [0, 1]) for every leaf, best first."""
        vector = self._vectorizer.transform([passage])
        similarity = (vector @ self._profiles.T).toarray()[0]  # rows are unit length
        patterns = self._pattern_scores(passage)
        scored = [
            (
                code,
                round(
                    SIMILARITY_WEIGHT * float(sim)
                    + (1 - SIMILARITY_WEIGHT) * patterns.get(code, 0.0),
                    3,
                ),
            )
            for code, sim in zip(self.leaves, similarity, strict=True)
        ]
        order = {code: i for i, code in enumerate(self.leaves)}
        scored.sort(key=lambda item: (-item[1], order[item[0]]))
        return scored


_RANKERS: dict[object, Ranker] = {}
_LOCK = Lock()


def ranker_for(codebook: Codebook) -> Ranker:
    """The cached ranker of a codebook (per content digest)."""
    key = codebook.digest or codebook
    with _LOCK:
        if key not in _RANKERS:
            _RANKERS[key] = Ranker(codebook)
        return _RANKERS[key]


def rank(source: Codebook | Tagger, passage: str) -> list[tuple[str, float]]:
    """Leaf codes of ``source``'s codebook ranked for ``passage``, best first."""
    codebook = source if isinstance(source, Codebook) else source.codebook
    return ranker_for(codebook).rank(passage)
