"""Feedback with planted themes, stored for an organisation (topic-run tests)."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy.orm import Session

from spstories.core.topics.planted import THEMES, planted_sentence
from spstories.storage.models import Feedback

# The outcomes codebook tags this; a residual run must leave it out.
CODED = "Since joining she feels much less lonely and isolated."


def add_planted_feedback(session: Session, organisation_id: int, n: int = 100,
                         seed: int = 0) -> list[Feedback]:
    """``n`` items of three planted-theme sentences each; every fifth also says ``CODED``."""
    rng = random.Random(seed)
    themes = list(THEMES)
    rows = []
    for i in range(n):
        theme = themes[i % len(themes)]
        text = " ".join(planted_sentence(rng, theme) for _ in range(3))
        if i % 5 == 0:
            text += " " + CODED
        rows.append(Feedback(organisation_id=organisation_id, source="client", channel="survey",
                             received_on=date(2025, 1 + i % 12, 1), text=text))
    session.add_all(rows)
    session.commit()
    return rows
