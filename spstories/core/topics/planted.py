"""Generated corpora with planted themes, to check that topic runs find what is there."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import date

from spstories.core.topics.corpus import SourceText

THEMES: dict[str, tuple[str, ...]] = {
    "gardening": ("allotment", "garden", "vegetables", "digging", "planting", "seeds",
                  "greenhouse", "compost", "weeding", "tomatoes"),
    "singing": ("choir", "singing", "songs", "rehearsal", "concert", "voice", "harmonies",
                "music", "singers", "hymns"),
    "debt": ("debt", "bills", "arrears", "creditors", "budgeting", "payments", "council",
             "benefits", "loan", "bailiffs"),
    "walking": ("walking", "footpath", "countryside", "hike", "park", "stroll", "miles",
                "boots", "trail", "ramblers"),
    "cooking": ("cooking", "recipes", "kitchen", "meals", "baking", "ingredients", "soup",
                "bread", "oven", "chef"),
}
# Shared words every sentence draws on, as real narratives do, plus domain boilerplate.
FILLER = ("she", "said", "that", "the", "group", "was", "very", "really", "good", "thing",
          "for", "her", "and", "he", "told", "link", "worker", "it", "helped", "each", "week")
NOISE = ("weather", "yesterday", "appointment", "letter", "phone", "morning", "bus",
         "television", "neighbour", "shopping", "doctor", "holiday", "birthday", "parcel")


def planted_sentence(rng: random.Random, theme: str | None) -> str:
    words = rng.sample(NOISE, 3) if theme is None else rng.sample(THEMES[theme], 3)
    words += rng.sample(FILLER, 6)
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


def planted_corpus(n: int = 600, *, seed: int = 0, noise: float = 0.1,
                   themes: Sequence[str] | None = None
                   ) -> tuple[list[SourceText], list[str | None]]:
    """``n`` one-sentence texts dated over 2025, and the planted theme of each (None=noise)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    names = list(themes or THEMES)
    sources, truth = [], []
    for i in range(n):
        theme = None if rng.random() < noise else names[i % len(names)]
        on = date(2025, 1 + i % 12, 1 + i % 28)
        sources.append(SourceText(f"feedback:{i}", "text", planted_sentence(rng, theme), on))
        truth.append(theme)
    return sources, truth


def recovered(truth: Sequence[str | None], assignments: Sequence[int],
              purity: float = 0.8) -> dict[str, int | None]:
    """For each planted theme, a topic whose members are mostly that theme (else None).

    A theme is recovered when some topic holds at least half of the theme's texts and at
    least ``purity`` of that topic's texts carry the theme.
    """
    found: dict[str, int | None] = {}
    for theme in sorted({t for t in truth if t}):
        found[theme] = None
        share = Counter(a for t, a in zip(truth, assignments, strict=True) if t == theme)
        total = sum(share.values())
        candidates = [(count, -topic) for topic, count in share.items() if topic != -1]
        if not candidates:
            continue
        count, topic = max(candidates)
        topic = -topic
        size = sum(1 for a in assignments if a == topic)
        if count >= total / 2 and count / size >= purity:
            found[theme] = topic
    return found
