"""Sentence and text features: TF-IDF over words and word pairs, plus what the rules found.

Written with NumPy and SciPy alone, so that tagging never imports scikit-learn (whose
import costs more than tagging a few thousand comments): the same code builds the
features when a model is trained and when it tags. The fitted state is plain data (a
vocabulary dict and an IDF array), so a model serialises to JSON and ``.npz`` and is
rebuilt exactly, with no pickled objects anywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

# Words of two or more letters or digits (scikit-learn's default token pattern).
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def terms(text: str) -> list[str]:
    """The words of ``text`` (lower case) and each pair of neighbouring words."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in pairwise(words)]


@dataclass(frozen=True)
class Vocabulary:
    """Terms with their column and inverse document frequency."""

    index: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(
        cls, texts: Iterable[str], *, min_df: int = 2, max_terms: int | None = None
    ) -> Vocabulary:
        """Terms found in at least ``min_df`` texts (the ``max_terms`` most frequent), with
        smoothed IDF, ``log((1 + n) / (1 + df)) + 1``."""
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(set(terms(text)))
            n += 1
        kept = sorted((t for t, c in df.items() if c >= min_df), key=lambda t: (-df[t], t))
        kept = sorted(kept[:max_terms] if max_terms else kept)
        idf = np.array([np.log((1 + n) / (1 + df[t])) + 1.0 for t in kept], dtype=np.float64)
        return cls({t: i for i, t in enumerate(kept)}, idf)

    def __len__(self) -> int:
        return len(self.index)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Rows of sublinear TF-IDF (``1 + log tf`` times IDF), each of unit length."""
        get = self.index.get
        indptr = [0]
        indices: list[int] = []
        for text in texts:
            indices += [j for j in map(get, terms(text)) if j is not None]
            indptr.append(len(indices))
        # Repeated terms are summed into counts by SciPy, in C.
        matrix = sp.csr_matrix(
            (
                np.ones(len(indices)),
                np.asarray(indices, dtype=np.int32),
                np.asarray(indptr, dtype=np.int64),
            ),
            shape=(len(texts), len(self.index)),
        )
        matrix.sum_duplicates()
        matrix.data = (1.0 + np.log(matrix.data)) * self.idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


def indicator_columns(codes: Sequence[str], polarities: Sequence[str], roles: Sequence[str]):
    """Names of the rule columns: per code, that the rules tagged it ("R:code"), with which
    polarity ("R:code|polarity"), that one of its patterns matched at all ("C:code") and in
    which role ("C:code|role"). Polarity is often read wrong where the code is right, and
    a pattern match without a change cue is still a hint of the topic."""
    names = []
    for code in codes:
        names.append(f"R:{code}")
        names += [f"R:{code}|{p}" for p in polarities]
        names.append(f"C:{code}")
        names += [f"C:{code}|{r}" for r in roles]
    return names


def indicators(
    found: Sequence[Iterable[str]], columns: dict[str, int], weight: float
) -> sp.csr_matrix:
    """One row per unit: ``weight`` in the column of every name found there."""
    rows: list[int] = []
    cols: list[int] = []
    for i, names in enumerate(found):
        for j in sorted({columns[n] for n in names if n in columns}):
            rows.append(i)
            cols.append(j)
    data = np.full(len(rows), weight, dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(found), len(columns)))
