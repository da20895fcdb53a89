"""SNOMED CT concepts used in exports.

They live in one data file, ``spstories/core/data/snomed.yaml``, so they can be corrected
without code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml

from spstories.core.measures.instruments import MeasureDefinitionError

SHIPPED_SNOMED = Path(__file__).resolve().parent.parent / "data" / "snomed.yaml"

# Verhoeff check-digit tables; every SNOMED CT identifier ends in a Verhoeff check digit.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
# Partition identifiers (the two digits before the check digit) of concept ids:
# "00" core concept, "10" extension concept (the UK edition's 1000000... ids).
_CONCEPT_PARTITIONS = ("00", "10")


@dataclass(frozen=True)
class SnomedConcept:
    """One concept: ``key`` is spstories' name for it; ``instrument``/``scale`` link a score."""

    key: str
    code: str
    term: str
    hierarchy: str | None = None
    instrument: str | None = None
    scale: str | None = None


def is_concept_id(code: str) -> bool:
    """True for a well-formed SNOMED CT concept id (6-18 digits, concept partition, Verhoeff)."""
    if not (isinstance(code, str) and code.isascii() and code.isdigit() and 6 <= len(code) <= 18):
        return False
    if code[-3:-1] not in _CONCEPT_PARTITIONS:
        return False
    check = 0
    for position, digit in enumerate(reversed(code)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def load_snomed_concepts(path: Path | None = None) -> dict[str, SnomedConcept]:
    """The concept mapping, keyed by spstories' name; defaults to the shipped file."""
    if path is None:
        return dict(_shipped())
    return _load(path)


def concept_for_scale(instrument_id: str, scale: str) -> SnomedConcept | None:
    """The shipped concept that records this instrument scale, if any."""
    for concept in _shipped().values():
        if concept.instrument == instrument_id and concept.scale == scale:
            return concept
    return None


@cache
def _shipped() -> Mapping[str, SnomedConcept]:
    return MappingProxyType(_load(SHIPPED_SNOMED))


def _load(path: Path) -> dict[str, SnomedConcept]:
    def fail(field: str | None, message: str) -> MeasureDefinitionError:
        return MeasureDefinitionError(message, path=str(path), field=field)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(None, f"cannot read it: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise fail(None, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict):
        raise fail("concepts", "expected a mapping 'concepts' of name to concept")
    allowed = {"code", "term", "hierarchy", "instrument", "scale"}
    concepts: dict[str, SnomedConcept] = {}
    for key, entry in data["concepts"].items():
        where = f"concepts.{key}"
        if not isinstance(entry, dict):
            raise fail(where, "expected a mapping with code and term")
        unknown = sorted(map(str, entry.keys() - allowed))
        if unknown:
            raise fail(
                f"{where}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
            )
        for name in ("code", "term"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise fail(f"{where}.{name}", "is required text (quote codes)")
        if not is_concept_id(entry["code"]):
            raise fail(f"{where}.code", f"{entry['code']!r} is not a valid SNOMED CT concept id")
        if ("instrument" in entry) != ("scale" in entry):
            raise fail(where, "give both instrument and scale, or neither")
        concepts[str(key)] = SnomedConcept(
            key=str(key),
            code=entry["code"],
            term=entry["term"].strip(),
            hierarchy=entry.get("hierarchy"),
            instrument=entry.get("instrument"),
            scale=entry.get("scale"),
        )
    return concepts
