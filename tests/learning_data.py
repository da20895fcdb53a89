"""Tiny labelled texts for the learned tagger's tests: every label occurs in several groups."""

from __future__ import annotations

TEXTS = [
    ("I feel much less lonely since the group.", {"loneliness|improved"}),
    ("I am still lonely most days.", {"loneliness|unchanged"}),
    ("I got a job at the garden centre.", {"employment|improved"}),
    ("My debts are sorted and I feel happier.", {"finances|improved", "wellbeing|improved"}),
    ("The parking was awful.", set()),
    ("I lost my job in March.", {"employment|worsened"}),
] * 3
X = [t for t, _ in TEXTS]
Y = [labels for _, labels in TEXTS]
GROUPS = [str(i % 6) for i in range(len(X))]
