"""Sentence features: TF-IDF over word and character n-grams, plus what the rules found.

The vectoriser state is kept as plain data (a vocabulary dict and an IDF array per
analyser) so a fitted model serialises to JSON and ``.npz`` and is rebuilt exactly, with
no pickled scikit-learn objects anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize


@dataclass(frozen=True)
class NgramSpace:
    """One analyser's fitted vocabulary and inverse document frequencies."""

    analyzer: str
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray

    def _counter(self) -> CountVectorizer:
        return CountVectorizer(
            analyzer=self.analyzer,
            ngram_range=self.ngram_range,
            lowercase=True,
            vocabulary=self.vocabulary,
            dtype=np.float64,
        )

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        counts = self._counter().transform(texts)
        counts.data = 1.0 + np.log(counts.data)  # sublinear tf: repetition adds little
        return normalize(counts @ sp.diags(self.idf), norm="l2", copy=False)


def fit_space(
    texts: Sequence[str],
    analyzer: str,
    ngram_range: tuple[int, int],
    *,
    max_features: int | None,
    min_df: int,
) -> NgramSpace:
    """Vocabulary (the ``max_features`` most frequent n-grams) and smoothed IDF."""
    # min_df above the number of texts would leave no vocabulary on a tiny training set.
    counter = CountVectorizer(
        analyzer=analyzer,
        ngram_range=ngram_range,
        lowercase=True,
        min_df=min(min_df, max(1, len(texts) // 2)),
        max_features=max_features,
        dtype=np.float64,
    )
    counts = counter.fit_transform(texts)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
    vocabulary = {term: int(i) for term, i in counter.vocabulary_.items()}
    return NgramSpace(analyzer, ngram_range, vocabulary, idf.astype(np.float64))


def rule_matrix(
    rule_labels: Sequence[frozenset[str]], labels: Sequence[str], weight: float
) -> sp.csr_matrix:
    """Indicator columns: one per label the rules asserted, one per code they found
    with any polarity (rules often get the code right and the polarity wrong)."""
    codes = sorted({label.partition("|")[0] for label in labels})
    index = {label: i for i, label in enumerate(labels)}
    code_index = {code: len(labels) + i for i, code in enumerate(codes)}
    rows, cols = [], []
    for row, found in enumerate(rule_labels):
        columns = {index[lab] for lab in found if lab in index}
        columns |= {
            code_index[c] for c in (lab.partition("|")[0] for lab in found) if c in code_index
        }
        rows.extend([row] * len(columns))
        cols.extend(sorted(columns))
    data = np.full(len(rows), weight, dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(rule_labels), len(labels) + len(codes)))


def combine(
    spaces: Sequence[NgramSpace],
    texts: Sequence[str],
    rule_labels: Sequence[frozenset[str]],
    labels: Sequence[str],
    rule_weight: float,
    extra: sp.csr_matrix | np.ndarray | None = None,
) -> sp.csr_matrix:
    """The full feature matrix for ``texts``."""
    blocks = [space.transform(texts) for space in spaces]
    blocks.append(rule_matrix(rule_labels, labels, rule_weight))
    if extra is not None:
        blocks.append(sp.csr_matrix(extra))
    return sp.hstack(blocks, format="csr")
