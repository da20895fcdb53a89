"""Fit time of the learned tagger on 10,000 generated labelled short texts.

Run: python benchmarks/training.py  (prints the fit time; quality lives in the model card)
"""

from __future__ import annotations

import random
import time

from spstories.core.learning.classifier import CodebookClassifier

SUBJECTS = ["loneliness", "confidence", "finances", "housing", "employment", "wellbeing"]
PHRASES = {
    "improved": ["is much better", "has improved a lot", "is no longer a worry", "got easier"],
    "worsened": ["got worse", "has gone downhill", "is harder than before", "fell apart"],
    "unchanged": ["is still the same", "has not changed", "remains a problem", "stayed as it was"],
}
FILLER = ["The link worker visited on Tuesday.", "We met at the library.", "Thanks to all.",
          "The weather was grim.", "My daughter came along.", "I walked to the centre."]


def generate(n: int, seed: int = 0) -> tuple[list[str], list[set[str]]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        found = set()
        parts = [rng.choice(FILLER)]
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
    print(f"fit on {len(texts)} texts, {len(model.labels_)} labels: "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
