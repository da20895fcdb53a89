"""``CodebookClassifier``: which codes a text evidences, in which sentence, and which way.

Three linear models learn together from a codebook's labelled units:

- a **sentence model** per code (one-vs-rest logistic regression) on the sentences that
  evidence it: the ``evidence`` spans of the training data where they are given, else the
  only sentence of a one-sentence unit, else the sentences where the rules found the code;
- a **text model** per code on whole units, which sees what the rules found anywhere;
- a **polarity model** (multinomial logistic regression) over (sentence, code) pairs, with
  what the polarity reader said about that code in that sentence among its features.

Features are TF-IDF over words and word pairs and rule indicators (``core.learning.
features``), plus, when a sentence-embedding backend is chosen, the sentence embedding and
its zero-shot similarity to each code. A code's probability in a text is the mean of its
best sentence's probability and the text model's; the code is tagged where that reaches
the threshold, chosen on cross-validation inside the training data; the best
sentence is the evidence and the polarity model gives the direction there.

Training uses scikit-learn; predicting uses NumPy only, so tagging never imports it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from spstories.core.embeddings import NONE
from spstories.core.learning.data import RuleSpan, pair_of
from spstories.core.learning.features import Vocabulary, indicator_columns, indicators
from spstories.core.learning.sentences import sentence_spans
from spstories.core.learning.zeroshot import CodePrototypes, similarity_features
from spstories.core.tags import Polarity

POLARITIES = tuple(p.value for p in Polarity)
ROLES = ("positive", "negative", "activity", "improved", "worsened", "unchanged", "terms")
GRID = np.round(np.arange(0.1, 0.951, 0.025), 3)


def _fbeta(truth: np.ndarray, guess: np.ndarray, beta: float) -> float:
    tp = float(np.sum(truth & guess))
    b2 = beta * beta
    denominator = b2 * float(np.sum(truth)) + float(np.sum(guess))
    return (1 + b2) * tp / denominator if denominator else 0.0


def rule_columns(codes: Sequence[str], polar: bool) -> dict[str, int]:
    """Column of each rule indicator of a model of ``codes``."""
    names = indicator_columns(codes, POLARITIES if polar else (), ROLES)
    return {name: j for j, name in enumerate(names)}


def _overlaps(spans: Iterable[RuleSpan], start: int, end: int) -> list[str]:
    return [label for s, e, label in spans if s < end and start < e]


@dataclass(frozen=True)
class Decision:
    """A code the model finds in a unit: its sentence (characters), polarity and score."""

    code: str
    polarity: str | None
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class _Units:
    """Units split into sentences, with every feature block the models read."""

    owner: np.ndarray  # sentence -> unit
    spans: list[tuple[int, int]]  # sentence -> (start, end) in its unit
    sentence_x: sp.csr_matrix
    text_x: sp.csr_matrix
    sentence_rules: list[list[str]]  # rule labels ("code|polarity") per sentence


class CodebookClassifier:
    """Sentence, text and polarity models for one codebook (see the module docstring).

    Parameters
    ----------
    C, text_C, polarity_C : inverse regularisation of the sentence, text and polarity
        models.
    min_df : a term must occur in this many training sentences.
    max_terms : vocabulary size cap (None: no cap).
    rule_weight : value of the rule indicator features.
    embeddings : sentence-embedding backend for extra features, or ``"none"``.
    embedding_weight : scale of the embedding and similarity features.
    threshold_folds : inner folds used to choose the thresholds.
    beta : thresholds maximise F-beta out of fold; below 1 precision weighs more (a
        count shown to a commissioner must not be inflated by wrong tags).
    default_threshold : used when there is too little data to choose one.
    random_state : seed for the inner folds and the solvers.

    Attributes
    ----------
    codes_ : codes the model knows, in column order.
    polar_ : whether the codebook's tags carry a polarity.
    vocabulary_, columns_ : fitted terms and rule columns.
    sentence_coef_, sentence_intercept_, text_coef_, text_intercept_ : per-code weights.
    polarity_coef_, polarity_intercept_ : polarity weights (rows: ``POLARITIES``).
    thresholds_ : per-code decision thresholds on the combined probability.
    prototypes_ : embedded code descriptions (None without embeddings).
    """

    def __init__(
        self,
        *,
        C: float = 4.0,
        text_C: float = 4.0,
        polarity_C: float = 4.0,
        min_df: int = 2,
        max_terms: int | None = None,
        rule_weight: float = 1.0,
        embeddings: str = NONE,
        embedding_weight: float = 1.0,
        threshold_folds: int = 3,
        beta: float = 0.5,
        default_threshold: float = 0.5,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.text_C = text_C
        self.polarity_C = polarity_C
        self.min_df = min_df
        self.max_terms = max_terms
        self.rule_weight = rule_weight
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight
        self.threshold_folds = threshold_folds
        self.beta = beta
        self.default_threshold = default_threshold
        self.random_state = random_state

    # scikit-learn's parameter protocol, without importing scikit-learn to tag ----------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> CodebookClassifier:
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"unknown parameter {name!r}")
            setattr(self, name, value)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "thresholds_"):
            raise RuntimeError("this CodebookClassifier is not fitted yet; call fit first")

    # fitting ---------------------------------------------------------------------------

    def fit(
        self,
        X: Sequence[str],
        y: Sequence[Iterable[str]],
        *,
        rules: Sequence[Sequence[RuleSpan]] | None = None,
        matches: Sequence[Sequence[RuleSpan]] | None = None,
        evidence: Sequence[Sequence[RuleSpan]] | None = None,
        groups: Sequence[str] | None = None,
        prototypes: CodePrototypes | None = None,
    ) -> CodebookClassifier:
        """Learn from texts ``X`` with label sets ``y`` ("code|polarity", or "code" for a
        codebook without polarity). ``rules`` and ``matches`` are what the rule tagger
        found in each text, as (start, end, "code|polarity") tags and (start, end,
        "code|role") pattern matches; ``evidence`` gives, per text, the (start, end, label)
        spans that support its labels; ``groups`` keep related texts in one inner fold;
        ``prototypes`` are the embedded code descriptions (needed with embeddings)."""
        X, Y = self._validate(X, y)
        n = len(X)
        rules, matches, evidence = (
            [tuple(r) for r in spans] if spans is not None else [() for _ in X]
            for spans in (rules, matches, evidence)
        )
        if not (len(rules) == len(matches) == len(evidence) == n):
            raise ValueError("rules, matches and evidence must be as long as X")
        if self.threshold_folds < 2:
            raise ValueError("threshold_folds must be at least 2")
        if not self.beta > 0:
            raise ValueError("beta must be positive")
        if (self.embeddings != NONE) != (prototypes is not None):
            raise ValueError("prototypes are needed with embeddings, and only then")
        labels = sorted(set().union(*Y))
        if not labels:
            raise ValueError("the training data has no labels")
        self.polar_ = any(pair_of(label)[1] for label in labels)
        self.codes_ = sorted({pair_of(label)[0] for label in labels})
        self.prototypes_ = prototypes
        self.columns_ = rule_columns(self.codes_, self.polar_)
        self._fit_weights(X, Y, rules, matches, evidence)
        proba = self._inner_probabilities(X, Y, rules, matches, evidence, groups)
        self.thresholds_ = self._choose(self._code_truth(Y), proba)
        return self

    def _validate(self, X: Any, y: Any) -> tuple[list[str], list[frozenset[str]]]:
        if isinstance(X, str) or not all(isinstance(x, str) for x in X):
            raise ValueError("X must be a sequence of texts")
        Y = [frozenset(labels) for labels in y]
        if len(X) != len(Y) or not X:
            raise ValueError("X and y must be equally long and not empty")
        return list(X), Y

    def _code_truth(self, Y: Sequence[frozenset[str]]) -> np.ndarray:
        codes = [{pair_of(label)[0] for label in labels} for labels in Y]
        return np.array([[c in found for c in self.codes_] for found in codes], dtype=bool)

    def _units(
        self, X: Sequence[str], rules: Sequence[Sequence[RuleSpan]], matches: Sequence
    ) -> _Units:
        owner, spans, texts, sentence_rules, sentence_names, text_names = [], [], [], [], [], []
        for i, text in enumerate(X):
            names: set[str] = set()
            for s, e in sentence_spans(text) or [(0, len(text))]:
                found = _overlaps(rules[i], s, e)
                here = {f"R:{label}" for label in found}
                here |= {f"R:{pair_of(label)[0]}" for label in found}
                for label in _overlaps(matches[i], s, e):
                    here |= {f"C:{label}", f"C:{label.partition('|')[0]}"}
                owner.append(i)
                spans.append((s, e))
                texts.append(text[s:e])
                sentence_rules.append(found)
                sentence_names.append(here)
                names |= here
            text_names.append(names)
        blocks = [
            self.vocabulary_.transform(texts),
            indicators(sentence_names, self.columns_, self.rule_weight),
        ]
        if self.prototypes_ is not None:
            blocks.append(
                sp.csr_matrix(
                    self.embedding_weight
                    * similarity_features(self.prototypes_, texts, self.embeddings)
                )
            )
        text_blocks = [
            self.vocabulary_.transform(X),
            indicators(text_names, self.columns_, self.rule_weight),
        ]
        if self.prototypes_ is not None:
            text_blocks.append(
                sp.csr_matrix(
                    self.embedding_weight
                    * similarity_features(self.prototypes_, list(X), self.embeddings)
                )
            )
        return _Units(
            np.asarray(owner, dtype=np.int64),
            spans,
            sp.hstack(blocks, format="csr"),
            sp.hstack(text_blocks, format="csr"),
            sentence_rules,
        )

    def _sentence_labels(
        self,
        units: _Units,
        Y: Sequence[frozenset[str]],
        evidence: Sequence[Sequence[RuleSpan]],
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, str]]]:
        """Per sentence and code: positive, and whether it may serve as a negative; and the
        (sentence, code, polarity) examples of the polarity model."""
        n, k = len(units.spans), len(self.codes_)
        positive = np.zeros((n, k), dtype=bool)
        by_unit: dict[int, list[int]] = {}
        for row, unit in enumerate(units.owner):
            by_unit.setdefault(int(unit), []).append(row)
        column = {code: j for j, code in enumerate(self.codes_)}
        polarity_examples = []
        unit_has = np.zeros((len(Y), k), dtype=bool)
        for unit, rows in by_unit.items():
            for label in Y[unit]:
                code, polarity = pair_of(label)
                j = column[code]
                unit_has[unit, j] = True
                chosen = [r for r in rows if label in _overlaps(evidence[unit], *units.spans[r])]
                if not chosen and len(rows) == 1:
                    chosen = rows
                if not chosen and not any(pair_of(lab)[0] == code for *_, lab in evidence[unit]):
                    # No evidence given: the sentences where the rules saw the code.
                    chosen = [
                        r
                        for r in rows
                        if any(pair_of(lab)[0] == code for lab in units.sentence_rules[r])
                    ]
                for r in chosen:
                    positive[r, j] = True
                    if polarity:
                        polarity_examples.append((r, code, polarity))
        # A sentence of a text that has the code, but not cited for it, is no negative:
        # coders cite one sentence where several may show the same thing.
        usable = positive | ~unit_has[units.owner]
        return positive, usable, polarity_examples

    def _fit_weights(
        self,
        X: list[str],
        Y: list[frozenset[str]],
        rules: list,
        matches: list,
        evidence: list,
    ) -> None:
        from sklearn.linear_model import LogisticRegression

        sentences = [text[s:e] for text in X for s, e in sentence_spans(text) or [(0, len(text))]]
        self.vocabulary_ = Vocabulary.fit(
            sentences,
            min_df=min(self.min_df, max(1, len(sentences) // 2)),
            max_terms=self.max_terms,
        )
        units = self._units(X, rules, matches)
        positive, usable, polarity_examples = self._sentence_labels(units, Y, evidence)
        truth = self._code_truth(Y)

        def binary(features: sp.csr_matrix, target: np.ndarray, C: float) -> tuple:
            if target.all() or not target.any():  # nothing to contrast: a constant
                return np.zeros(features.shape[1]), 20.0 if target.all() else -20.0
            model = LogisticRegression(
                C=C,
                solver="liblinear",
                dual=True,
                class_weight="balanced",
                max_iter=2000,
                random_state=self.random_state,
            ).fit(features, target)
            return model.coef_[0], float(model.intercept_[0])

        k = len(self.codes_)
        self.sentence_coef_ = np.zeros((k, units.sentence_x.shape[1]))
        self.sentence_intercept_ = np.zeros(k)
        self.text_coef_ = np.zeros((k, units.text_x.shape[1]))
        self.text_intercept_ = np.zeros(k)
        for j in range(k):
            rows = usable[:, j]
            self.sentence_coef_[j], self.sentence_intercept_[j] = binary(
                units.sentence_x[rows], positive[rows, j], self.C
            )
            self.text_coef_[j], self.text_intercept_[j] = binary(
                units.text_x, truth[:, j], self.text_C
            )
        width = units.sentence_x.shape[1] + k + len(POLARITIES)
        self.polarity_coef_ = np.zeros((len(POLARITIES), width))
        self.polarity_intercept_ = np.zeros(len(POLARITIES))
        if self.polar_ and polarity_examples:
            seen = sorted({p for *_, p in polarity_examples})
            features = self._polarity_features(
                units, [(r, code) for r, code, _ in polarity_examples]
            )
            target = [p for *_, p in polarity_examples]
            if len(seen) == 1:
                self.polarity_intercept_[POLARITIES.index(seen[0])] = 20.0
            else:
                model = LogisticRegression(
                    C=self.polarity_C, max_iter=3000, random_state=self.random_state
                ).fit(features, target)
                coef = model.coef_ if len(seen) > 2 else np.vstack([-model.coef_, model.coef_])
                intercept = (
                    model.intercept_
                    if len(seen) > 2
                    else np.array([-model.intercept_[0], model.intercept_[0]])
                )
                for row, polarity in enumerate(model.classes_):
                    self.polarity_coef_[POLARITIES.index(polarity)] = coef[row]
                    self.polarity_intercept_[POLARITIES.index(polarity)] = intercept[row]
                for polarity in set(POLARITIES) - set(model.classes_):
                    self.polarity_intercept_[POLARITIES.index(polarity)] = -20.0

    def _polarity_features(self, units: _Units, pairs: Sequence[tuple[int, str]]) -> sp.csr_matrix:
        """(sentence, code) rows: the sentence's features, the code, and the polarities the
        rules gave that code in that sentence."""
        k = len(self.codes_)
        column = {code: j for j, code in enumerate(self.codes_)}
        rows, cols = [], []
        for i, (r, code) in enumerate(pairs):
            rows.append(i)
            cols.append(column[code])
            for label in units.sentence_rules[r]:
                found, polarity = pair_of(label)
                if found == code and polarity in POLARITIES:
                    rows.append(i)
                    cols.append(k + POLARITIES.index(polarity))
        extra = sp.csr_matrix(
            (np.full(len(rows), 2.0 * self.rule_weight), (rows, cols)),
            shape=(len(pairs), k + len(POLARITIES)),
        )
        base = units.sentence_x[[r for r, _ in pairs]]
        return sp.hstack([base, extra], format="csr")

    def _inner_probabilities(
        self,
        X: list[str],
        Y: list[frozenset[str]],
        rules: list,
        matches: list,
        evidence: list,
        groups: Sequence[str] | None,
    ) -> np.ndarray:
        """Out-of-fold combined probabilities of every training unit and code."""
        from sklearn.model_selection import GroupKFold

        groups = list(groups) if groups is not None else [str(i) for i in range(len(X))]
        folds = min(self.threshold_folds, len(set(groups)))
        proba = np.full((len(X), len(self.codes_)), np.nan)
        if folds < 2:
            return proba
        splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        for train, test in splitter.split(X, groups=groups):
            inner = CodebookClassifier(**self.get_params())
            inner.codes_, inner.polar_, inner.columns_ = self.codes_, self.polar_, self.columns_
            inner.prototypes_ = self.prototypes_
            pick = lambda values, idx: [values[i] for i in idx]  # noqa: E731
            inner._fit_weights(
                pick(X, train),
                pick(Y, train),
                pick(rules, train),
                pick(matches, train),
                pick(evidence, train),
            )
            proba[test] = inner._combined(
                inner._units(pick(X, test), pick(rules, test), pick(matches, test))
            )[0]
        return proba

    def _choose(self, truth: np.ndarray, proba: np.ndarray) -> np.ndarray:
        """One threshold shared by all codes, the best micro F-beta out of fold. (A
        threshold per code, even only for codes with many texts, lost on cross-validation
        and on the held-out texts: docs/tagger.md.)"""
        thresholds = np.full(len(self.codes_), self.default_threshold)
        scored = ~np.isnan(proba).any(axis=1)
        if scored.sum() < 2 or not truth[scored].any():
            return thresholds
        t, p = truth[scored], proba[scored]
        # The highest threshold wins ties: fewer tags for the same F1.
        shared = max((_fbeta(t, p >= g, self.beta), g) for g in GRID)[1]
        thresholds[:] = shared
        return thresholds

    # predicting ------------------------------------------------------------------------

    def _combined(self, units: _Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per unit and code: the combined probability and the best sentence (row); and
        every sentence's probabilities."""
        sentence = _sigmoid(units.sentence_x @ self.sentence_coef_.T + self.sentence_intercept_)
        text = _sigmoid(units.text_x @ self.text_coef_.T + self.text_intercept_)
        if not text.shape[0]:
            return text, np.zeros(text.shape, dtype=np.int64), sentence
        # Every unit has at least one sentence, and its sentences are consecutive rows.
        starts = np.flatnonzero(np.r_[True, units.owner[1:] != units.owner[:-1]])
        best = np.maximum.reduceat(sentence, starts, axis=0)
        rows = np.arange(len(units.owner))[:, None]
        first = np.where(sentence == best[units.owner], rows, len(units.owner))
        row = np.minimum.reduceat(first, starts, axis=0)
        return (best + text) / 2.0, row, sentence

    def _polarities(self, units: _Units, pairs: Sequence[tuple[int, str]]) -> list[str | None]:
        if not self.polar_ or not pairs:
            return [None] * len(pairs)
        features = self._polarity_features(units, pairs)
        scores = features @ self.polarity_coef_.T + self.polarity_intercept_
        return [POLARITIES[i] for i in np.argmax(scores, axis=1)]

    def decide(
        self,
        X: Sequence[str],
        rules: Sequence[Sequence[RuleSpan]] | None = None,
        matches: Sequence[Sequence[RuleSpan]] | None = None,
    ) -> list[list[Decision]]:
        """The codes found in each text, best first, each with its sentence and polarity."""
        self._check_fitted()
        X = list(X)
        if not X:
            return []
        units = self._units(
            X,
            rules if rules is not None else [() for _ in X],
            matches if matches is not None else [() for _ in X],
        )
        proba, row, _ = self._combined(units)
        found = np.argwhere(proba >= self.thresholds_)
        pairs = [(int(row[u, j]), self.codes_[j]) for u, j in found]
        polarities = self._polarities(units, pairs)
        out: list[list[Decision]] = [[] for _ in X]
        for (u, j), (r, code), polarity in zip(found, pairs, polarities, strict=True):
            s, e = units.spans[r]
            out[u].append(Decision(code, polarity, s, e, round(float(proba[u, j]), 3)))
        for decisions in out:
            decisions.sort(key=lambda d: (-d.score, d.start, d.code))
        return out

    def predict_proba(
        self,
        X: Sequence[str],
        rules: Sequence[Sequence[RuleSpan]] | None = None,
        matches: Sequence[Sequence[RuleSpan]] | None = None,
    ) -> np.ndarray:
        """Per text and code (``codes_`` order): the combined probability."""
        self._check_fitted()
        if isinstance(X, str):
            raise ValueError("X must be a sequence of texts")
        X = list(X)
        units = self._units(
            X,
            rules if rules is not None else [() for _ in X],
            matches if matches is not None else [() for _ in X],
        )
        return self._combined(units)[0]

    def predict(
        self,
        X: Sequence[str],
        rules: Sequence[Sequence[RuleSpan]] | None = None,
        matches: Sequence[Sequence[RuleSpan]] | None = None,
    ) -> list[frozenset[str]]:
        """Label sets per text ("code|polarity", or "code" without polarity)."""
        return [
            frozenset(d.code if d.polarity is None else f"{d.code}|{d.polarity}" for d in found)
            for found in self.decide(X, rules, matches)
        ]


def _sigmoid(scores: Any) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(scores), -30, 30)))
