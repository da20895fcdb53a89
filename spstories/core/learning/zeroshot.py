"""Zero-shot similarity of passages to code definitions, with sentence embeddings.

Each code is described by a few prototype texts: its label with its definition, each
"include" note and each positive example. A passage's similarity to a code is its
highest cosine similarity to any of the code's prototypes. This needs no labelled data,
so it works for a research team's own codebook from the first passage: the review queue
uses it to suggest codes for a missed passage, and the learned tagger uses it as
features (one column per code) beside the sentence embedding itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spstories.core.codebook import Codebook
from spstories.core.embeddings import MINILM, encode


@dataclass(frozen=True)
class CodePrototypes:
    """Embedded prototype texts, one row per prototype, each owned by a code."""

    codes: tuple[str, ...]
    owners: np.ndarray  # row -> index into ``codes``
    vectors: np.ndarray  # (prototypes, dimensions), L2-normalised

    def similarity(self, sentence_vectors: np.ndarray) -> np.ndarray:
        """(sentences, codes): each sentence's best cosine similarity to each code."""
        cosine = np.asarray(sentence_vectors) @ self.vectors.T
        out = np.full((cosine.shape[0], len(self.codes)), -1.0, dtype=np.float32)
        for j in range(len(self.codes)):
            rows = self.owners == j
            if rows.any():
                out[:, j] = cosine[:, rows].max(axis=1)
        return out


def prototype_texts(codebook: Codebook, *, rollup: bool) -> list[tuple[str, str]]:
    """(code, text) pairs describing each code; with ``rollup`` a sub-code's texts
    describe its top-level code."""
    pairs = []
    for code in codebook.codes:
        owner = codebook.rollup(code.id) if rollup else code.id
        pairs.append((owner, f"{code.label}: {code.definition}".strip()))
        pairs += [(owner, note) for note in code.include]
        pairs += [(owner, ex.text) for ex in code.examples if ex.expect == "positive"]
    return [(owner, text) for owner, text in pairs if text.strip()]


def code_prototypes(
    codebook: Codebook, backend: str = MINILM, *, rollup: bool = True
) -> CodePrototypes:
    """Embed the prototype texts of every code of ``codebook``."""
    pairs = prototype_texts(codebook, rollup=rollup)
    codes = tuple(dict.fromkeys(owner for owner, _ in pairs))
    index = {code: i for i, code in enumerate(codes)}
    vectors = encode([text for _, text in pairs], backend)
    owners = np.array([index[owner] for owner, _ in pairs], dtype=np.int64)
    return CodePrototypes(codes, owners, vectors)


def suggest_codes(
    codebook: Codebook, passage: str, backend: str = MINILM, *, top: int = 3
) -> list[tuple[str, float]]:
    """The ``top`` codes whose descriptions are nearest to ``passage``, best first, with
    their cosine similarity."""
    prototypes = code_prototypes(codebook, backend, rollup=False)
    scores = prototypes.similarity(encode([passage], backend))[0]
    order = np.argsort(-scores)[:top]
    return [(prototypes.codes[i], round(float(scores[i]), 3)) for i in order]


def similarity_features(
    prototypes: CodePrototypes, sentences: Sequence[str], backend: str
) -> np.ndarray:
    """The embedding of each sentence followed by its similarity to each code."""
    vectors = encode(list(sentences), backend)
    return np.hstack([vectors, prototypes.similarity(vectors)])
