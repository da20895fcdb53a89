"""Tags: a code with its polarity on a span of text, the evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Polarity(StrEnum):
    """Which way the person's situation moved on a code's domain."""

    IMPROVED = "improved"
    WORSENED = "worsened"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Tag:
    """One tag: ``text[start:end] == evidence``; ``source`` is rule, model or human.

    ``polarity`` is None for codebooks whose codes carry no direction (sp-data-practice).
    ``codebook`` and ``codebook_version`` record which codebook the tag came from.
    """

    code: str
    polarity: Polarity | None
    start: int
    end: int
    evidence: str
    score: float
    source: str = "rule"
    codebook: str | None = None
    codebook_version: str | None = None

    def to_dict(self, *, with_codebook: bool = True) -> dict[str, Any]:
        """Plain JSON-ready dict; ``with_codebook=False`` leaves out codebook id/version
        (the CLI writes them once per line instead)."""
        data = asdict(self)
        data["polarity"] = None if self.polarity is None else str(self.polarity)
        if not with_codebook:
            del data["codebook"], data["codebook_version"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tag:
        polarity = data.get("polarity")
        return cls(
            code=data["code"],
            polarity=Polarity(polarity) if polarity else None,
            start=int(data["start"]),
            end=int(data["end"]),
            evidence=data["evidence"],
            score=float(data["score"]),
            source=data.get("source", "rule"),
            codebook=data.get("codebook"),
            codebook_version=data.get("codebook_version"),
        )
