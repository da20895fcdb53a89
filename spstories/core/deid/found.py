"""What every rule yields: a ``Found`` span of a kind, and which kind wins an overlap."""

from __future__ import annotations

from dataclasses import dataclass

# Higher wins when spans overlap: a shaped identifier beats a guess about a name, and a
# street address ("12 March Lane") beats the date inside it.
PRIORITY = {"EMAIL": 90, "NHS NUMBER": 80, "NI NUMBER": 75, "PHONE": 70, "POSTCODE": 60,
            "ADDRESS": 55, "DATE": 50, "AGE": 45, "ORGANISATION": 40, "PLACE": 35,
            "NAME": 30}


@dataclass(frozen=True)
class Found:
    """A span of the text that is an identifier of ``kind`` (``NAME``, ``PHONE``…)."""

    start: int
    end: int
    kind: str
    key: str = ""  # what makes two mentions the same entity (for numbered placeholders)
