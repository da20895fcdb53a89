"""Doc extensions of the tagger, registered once on import (never with ``force`` in a
component's constructor).

Span extensions are not used for per-match data: spaCy keys them by character offsets
only, so two codes matching the same words would overwrite each other's values.
"""

from __future__ import annotations

from typing import NamedTuple

from spacy.tokens import Doc


# NamedTuples, not dataclasses: a doc can hold dozens and they are made per match.
class Match(NamedTuple):
    """A codebook pattern found in a doc (token offsets), before polarity is read."""

    code: str
    role: str
    start: int
    end: int
    pattern_id: str
    weight: float = 1.0
    comparative: bool = False


class Evidence(NamedTuple):
    """A match judged by the polarity reader: ``start``/``end`` are the match's tokens,
    ``sent_start``/``sent_end`` the characters of its sentence (the evidence quote)."""

    code: str
    polarity: str | None
    start: int
    end: int
    sent_start: int
    sent_end: int
    score: float
    cue: str
    pattern_id: str


def register() -> None:
    """Idempotent: safe to call from every module that needs the extensions."""
    if not Doc.has_extension("sp_matches"):
        Doc.set_extension("sp_matches", default=None)
    if not Doc.has_extension("sp_evidence"):
        Doc.set_extension("sp_evidence", default=None)


register()
