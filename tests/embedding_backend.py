"""A small real embedding backend for tests: hashed word and word-pair counts.

It stands in for a sentence-embedding model where the optional extra is not installed:
texts sharing words get similar vectors, which is enough to check that embeddings flow
through features, artifacts, suggestions and pages. The real model is tested in
tests/embeddings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from spstories.core import embeddings

NAME = "hashed-words"
_vectoriser = HashingVectorizer(
    n_features=512, ngram_range=(1, 1), alternate_sign=False, stop_words="english"
)


def encode(texts: Sequence[str]) -> np.ndarray:
    return _vectoriser.transform(list(texts)).toarray().astype(np.float32)


@pytest.fixture
def hashed_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Registers the backend as the default one; yields a list with the number of
    texts each call to the encoder received."""
    calls: list[int] = []

    def counted(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return encode(texts)

    embeddings.register_backend(
        embeddings.Backend(NAME, "hashed words (tests)", lambda: True, lambda: counted)
    )
    monkeypatch.setenv("SPSTORIES_EMBEDDINGS", NAME)
    yield calls
    embeddings.unregister_backend(NAME)
