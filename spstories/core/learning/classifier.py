"""``CodebookClassifier``: a multi-label (code, polarity) classifier over sentences.

One logistic regression per label (one-vs-rest) on TF-IDF word and character n-grams
plus rule-match indicators and, when a sentence-embedding backend is chosen
(``embeddings="minilm"``), the sentence's embedding and its zero-shot similarity to each
code's description (``core.learning.zeroshot``). A unit (short text, sentence, example)
is scored sentence by sentence and takes the highest sentence's probability, so the
same model gives text-level decisions and the sentence that evidences each. Per-label
thresholds are chosen on inner cross-validation, two sets of them: ``thresholds_`` for
the model alone and ``hybrid_thresholds_`` for adding model labels to what the rules
found (infinite where adding never helped, so the hybrid keeps to the rules there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.utils.validation import check_is_fitted

from spstories.core.embeddings import NONE
from spstories.core.learning.data import RuleSpan
from spstories.core.learning.features import NgramSpace, combine, fit_space
from spstories.core.learning.sentences import sentence_spans
from spstories.core.learning.zeroshot import CodePrototypes, similarity_features

GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)


def _f1(truth: np.ndarray, guess: np.ndarray) -> float:
    tp = float(np.sum(truth & guess))
    denominator = float(np.sum(truth) + np.sum(guess))
    return 2 * tp / denominator if denominator else 0.0


def _labels_in(spans: Iterable[RuleSpan], start: int = 0, end: int | None = None) -> frozenset:
    return frozenset(label for s, e, label in spans if e > start and (end is None or s < end))


class CodebookClassifier(BaseEstimator):
    """Sentence-level multi-label classifier for one codebook's (code, polarity) labels.

    Parameters
    ----------
    C : inverse regularisation strength of each logistic regression.
    word_ngrams, char_ngrams : n-gram ranges of the word and character analysers.
    max_features : vocabulary size cap per analyser (keeps artifacts and fits small).
    min_df : an n-gram must occur in this many training units.
    rule_weight : value of the rule-match indicator features.
    class_weight : passed to each logistic regression ("balanced" helps rare labels).
    embeddings : sentence-embedding backend for extra features, or ``"none"``.
    embedding_weight : scale of the embedding and similarity features.
    threshold_folds : inner folds used to choose the per-label thresholds.
    default_threshold : used for labels too rare to choose a threshold for.
    random_state : seed for the inner folds and the solver.

    Attributes
    ----------
    labels_ : list of label strings, ``"code|polarity"``.
    spaces_ : fitted n-gram spaces (vocabulary and IDF per analyser).
    coef_, intercept_ : weights, one row per label.
    thresholds_, hybrid_thresholds_ : per-label decision thresholds.
    prototypes_ : embedded code descriptions (None without embeddings).
    """

    def __init__(
        self,
        *,
        C: float = 4.0,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        max_features: int | None = 60000,
        min_df: int = 1,
        rule_weight: float = 1.0,
        class_weight: str | None = "balanced",
        embeddings: str = NONE,
        embedding_weight: float = 1.0,
        threshold_folds: int = 3,
        default_threshold: float = 0.5,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.max_features = max_features
        self.min_df = min_df
        self.rule_weight = rule_weight
        self.class_weight = class_weight
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight
        self.threshold_folds = threshold_folds
        self.default_threshold = default_threshold
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    # fitting ---------------------------------------------------------------------------

    def fit(
        self,
        X: Sequence[str],
        y: Sequence[Iterable[str]],
        rules: Sequence[Sequence[RuleSpan]] | None = None,
        groups: Sequence[str] | None = None,
        prototypes: CodePrototypes | None = None,
    ) -> CodebookClassifier:
        """Learn from units ``X`` with label sets ``y``; ``rules`` are the rule tagger's
        (start, end, label) spans in each unit; ``groups`` keep related units together
        in the inner folds; ``prototypes`` are the embedded code descriptions (needed
        with embeddings)."""
        X, Y, rules = self._validate(X, y, rules)
        if self.threshold_folds < 2:
            raise ValueError("threshold_folds must be at least 2")
        if (self.embeddings != NONE) != (prototypes is not None):
            raise ValueError("prototypes are needed with embeddings, and only then")
        self.labels_ = sorted(set().union(*Y))
        if not self.labels_:
            raise ValueError("the training data has no labels")
        self.prototypes_ = prototypes
        self.spaces_, self.coef_, self.intercept_ = self._fit_weights(X, Y, rules)
        proba, found = self._inner_predictions(X, Y, rules, groups)
        truth = self._indicators(Y)
        self.thresholds_, self.hybrid_thresholds_ = self._choose(truth, proba, found)
        return self

    def _validate(self, X: Any, y: Any, rules: Any) -> tuple[list, list, list]:
        if isinstance(X, str) or not all(isinstance(x, str) for x in X):
            raise ValueError("X must be a sequence of texts")
        Y = [frozenset(labels) for labels in y]
        rules = [tuple(r) for r in rules] if rules is not None else [() for _ in X]
        if not (len(X) == len(Y) == len(rules)) or not X:
            raise ValueError("X, y and rules must be equally long and not empty")
        return list(X), Y, rules

    def _indicators(self, Y: Sequence[frozenset[str]], labels: Sequence[str] | None = None):
        labels = self.labels_ if labels is None else labels
        return np.array([[lab in found for lab in labels] for found in Y], dtype=bool)

    def _fit_weights(
        self, X: list[str], Y: list[frozenset[str]], rules: list
    ) -> tuple[list[NgramSpace], np.ndarray, np.ndarray]:
        spaces = [
            fit_space(
                X, "word", self.word_ngrams, max_features=self.max_features, min_df=self.min_df
            ),
            fit_space(
                X, "char_wb", self.char_ngrams, max_features=self.max_features, min_df=self.min_df
            ),
        ]
        features = combine(
            spaces,
            X,
            [_labels_in(r) for r in rules],
            self.labels_,
            self.rule_weight,
            self._dense(X),
        )
        truth = self._indicators(Y)
        coef = np.zeros((len(self.labels_), features.shape[1]))
        intercept = np.zeros(len(self.labels_))
        for j in range(len(self.labels_)):
            column = truth[:, j]
            if column.all() or not column.any():
                intercept[j] = 20.0 if column.all() else -20.0  # constant: no contrast to learn
                continue
            model = LogisticRegression(
                C=self.C,
                solver="liblinear",
                class_weight=self.class_weight,
                random_state=self.random_state,
                max_iter=1000,
                dual=True,
            ).fit(features, column)
            coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        return spaces, coef, intercept

    def _inner_predictions(
        self, X: list[str], Y: list, rules: list, groups: Sequence[str] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Out-of-fold probabilities and rule decisions for every training unit."""
        groups = list(groups) if groups is not None else [str(i) for i in range(len(X))]
        folds = min(self.threshold_folds, len(set(groups)))
        proba = np.zeros((len(X), len(self.labels_)))
        found = self._indicators([_labels_in(r) for r in rules])
        if folds < 2:
            return proba, found
        splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        for train, test in splitter.split(X, groups=groups):
            inner = CodebookClassifier(**self.get_params())
            inner.labels_, inner.prototypes_ = self.labels_, self.prototypes_
            inner.spaces_, inner.coef_, inner.intercept_ = inner._fit_weights(
                [X[i] for i in train], [Y[i] for i in train], [rules[i] for i in train]
            )
            proba[test] = inner._pooled([X[i] for i in test], [rules[i] for i in test])
        return proba, found

    def _choose(
        self, truth: np.ndarray, proba: np.ndarray, found: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per label: the threshold with the best F1 alone, and the one whose additions
        to the rules' decisions give the best F1 (infinite if no addition helps)."""
        alone = np.full(len(self.labels_), self.default_threshold)
        hybrid = np.full(len(self.labels_), np.inf)
        for j in range(len(self.labels_)):
            if truth[:, j].sum() < 2:
                continue  # too rare to choose anything but the default on
            # The highest threshold wins ties: fewer model tags for the same F1.
            scores = [(_f1(truth[:, j], proba[:, j] >= t), t) for t in GRID]
            alone[j] = max(scores)[1] if max(scores)[0] > 0 else self.default_threshold
            base = _f1(truth[:, j], found[:, j])
            best, at = max((_f1(truth[:, j], found[:, j] | (proba[:, j] >= t)), t) for t in GRID)
            if best > base:
                hybrid[j] = at
        return alone, hybrid

    # predicting ------------------------------------------------------------------------

    def sentence_proba(
        self, text: str, rules: Sequence[RuleSpan] = ()
    ) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Sentence spans of ``text`` and each sentence's label probabilities."""
        check_is_fitted(self, "coef_")
        spans = sentence_spans(text) or [(0, len(text))]
        return spans, self._proba(
            [text[s:e] for s, e in spans], [_labels_in(rules, s, e) for s, e in spans]
        )

    def _dense(self, sentences: Sequence[str]) -> np.ndarray | None:
        """The embedding features of ``sentences`` (None without embeddings)."""
        if self.prototypes_ is None:
            return None
        return self.embedding_weight * similarity_features(
            self.prototypes_, sentences, self.embeddings
        )

    def _proba(self, sentences: Sequence[str], rule_labels: Sequence[frozenset]) -> np.ndarray:
        features = combine(
            self.spaces_,
            sentences,
            rule_labels,
            self.labels_,
            self.rule_weight,
            self._dense(sentences),
        )
        scores = features @ self.coef_.T + self.intercept_
        return 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))

    def _pooled(self, X: Sequence[str], rules: Sequence[Sequence[RuleSpan]]) -> np.ndarray:
        sentences, rule_labels, owner = [], [], []
        for i, text in enumerate(X):
            for s, e in sentence_spans(text) or [(0, len(text))]:
                sentences.append(text[s:e])
                rule_labels.append(_labels_in(rules[i], s, e))
                owner.append(i)
        proba = np.zeros((len(X), len(self.labels_)))
        if sentences:
            np.maximum.at(proba, np.array(owner), self._proba(sentences, rule_labels))
        return proba

    def predict_proba(
        self, X: Sequence[str], rules: Sequence[Sequence[RuleSpan]] | None = None
    ) -> np.ndarray:
        """Per unit and label: the highest probability of any of its sentences."""
        check_is_fitted(self, "coef_")
        if isinstance(X, str):
            raise ValueError("X must be a sequence of texts")
        return self._pooled(list(X), rules if rules is not None else [() for _ in X])

    def predict(
        self,
        X: Sequence[str],
        rules: Sequence[Sequence[RuleSpan]] | None = None,
        *,
        hybrid: bool = False,
    ) -> list[frozenset[str]]:
        """Label sets per unit: the model's alone, or (``hybrid``) the rules' labels plus
        the model's above the hybrid thresholds."""
        rules = rules if rules is not None else [() for _ in X]
        proba = self.predict_proba(X, rules)
        limits = self.hybrid_thresholds_ if hybrid else self.thresholds_
        out = []
        for row, spans in zip(proba >= limits, rules, strict=True):
            labels = {lab for lab, on in zip(self.labels_, row, strict=True) if on}
            out.append(frozenset(labels | (_labels_in(spans) if hybrid else set())))
        return out
