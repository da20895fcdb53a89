"""Fit time of the learned tagger on 10,000 generated labelled short texts, with n-gram
features and, when the embeddings extra is installed, with sentence embeddings too.

Run: python benchmarks/training.py  (prints the fit times; quality lives in the model card)
"""

from __future__ import annotations

import random
import time

from spstories.core import embeddings
from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.learning.classifier import CodebookClassifier
from spstories.core.learning.zeroshot import code_prototypes

SUBJECTS = ["loneliness", "confidence", "finances", "housing", "employment", "wellbeing"]
PHRASES = {
    "improved": ["is much better", "has improved a lot", "is no longer a worry", "got easier"],
    "worsened": ["got worse", "has gone downhill", "is harder than before", "fell apart"],
    "unchanged": ["is still the same", "has not changed", "remains a problem", "stayed as it was"],
}
FILLER = ["The link worker visited on Tuesday.", "We met at the library.", "Thanks to all.",
          "The weather was grim.", "My daughter came along.", "I walked to the centre."]
PLACES = ["the library", "the allotment", "the surgery", "the church hall", "the cafe", "home"]


def generate(n: int, seed: int = 0) -> tuple[list[str], list[set[str]]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        found = set()
        # A numbered visit makes every text distinct, so no sentence embedding is reused.
        parts = [rng.choice(FILLER), f"Visit {i} was at {rng.choice(PLACES)}."]
        for _ in range(rng.randint(0, 2)):
            subject, polarity = rng.choice(SUBJECTS), rng.choice(list(PHRASES))
            parts.append(f"My {subject} {rng.choice(PHRASES[polarity])}.")
            found.add(f"{subject}|{polarity}")
        rng.shuffle(parts)
        texts.append(" ".join(parts))
        labels.append(found)
    return texts, labels


def main() -> None:
    texts, labels = generate(10_000)
    start = time.perf_counter()
    model = CodebookClassifier().fit(texts, labels)
    plain = time.perf_counter() - start
    print(f"n-gram features: fit on {len(texts)} texts, {len(model.codes_)} codes: {plain:.1f} s")
    if not embeddings.available(embeddings.MINILM):
        print(embeddings.status()["message"])
        return
    start = time.perf_counter()
    prototypes = code_prototypes(load_codebook(find_codebook("sp-outcomes")))
    model = CodebookClassifier(embeddings=embeddings.MINILM).fit(
        texts, labels, prototypes=prototypes
    )
    with_embeddings = time.perf_counter() - start
    print(f"with MiniLM embeddings: {with_embeddings:.1f} s "
          f"({with_embeddings / plain:.1f} x the n-gram fit)")


if __name__ == "__main__":
    main()
