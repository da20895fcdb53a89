"""Combine the rules, resolve overlaps and replace spans with consistent placeholders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spstories.core.deid import ner, rules
from spstories.core.deid.rules import PRIORITY, Found

NUMBERED = frozenset({"NAME", "PLACE", "ORGANISATION"})  # [NAME 1], [NAME 2]…; others bare
# Bare placeholders that say more than the kind: an exact age over 89 becomes the UK band.
LABELS = {"AGE": "AGE 90+"}


@dataclass(frozen=True)
class DeidConfig:
    """What to look for beyond the fixed rules.

    ``places`` and ``organisations`` are the service's own list (its name, activity
    providers, villages). ``keep`` are terms never replaced (e.g. the commissioner's name).
    ``keep_names`` leaves person names alone for material with named consent.
    """

    places: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    keep_names: bool = False
    nlp: Any = None  # a trained spaCy pipeline, or None for rules only


@dataclass(frozen=True)
class Replacement:
    """One replaced span: offsets into the original text."""

    start: int
    end: int
    original: str
    placeholder: str
    kind: str


@dataclass(frozen=True)
class DeidResult:
    original: str
    text: str
    replacements: tuple[Replacement, ...]

    def within(self, start: int, end: int) -> str:
        """The de-identified text of ``original[start:end]``: a passage (an evidence
        sentence) with what was found in the whole text replaced, so a name caught earlier
        in the text is replaced here too. A replacement that overlaps an edge is used whole."""
        parts, pos = [], start
        for r in self.replacements:
            if r.end <= start or r.start >= end:
                continue
            parts += [self.original[pos:max(r.start, pos)], r.placeholder]
            pos = max(pos, r.end)
        if pos < end:
            parts.append(self.original[pos:end])
        return "".join(parts)

    def segments(self) -> list[tuple[str, Replacement | None]]:
        """The original as (text, replacement or None) pieces, for a before/after view."""
        out: list[tuple[str, Replacement | None]] = []
        pos = 0
        for r in self.replacements:
            if r.start > pos:
                out.append((self.original[pos:r.start], None))
            out.append((r.original, r))
            pos = r.end
        if pos < len(self.original):
            out.append((self.original[pos:], None))
        return out


@dataclass
class Deidentifier:
    """De-identifies many texts with one numbering, so ``[NAME 1]`` is one person throughout."""

    config: DeidConfig = field(default_factory=DeidConfig)
    _numbers: dict[str, dict[str, int]] = field(default_factory=dict)

    def _candidates(self, text: str) -> list[Found]:
        c = self.config
        found = [*rules.shaped(text), *rules.listed(text, c.organisations, "ORGANISATION"),
                 *rules.listed(text, c.places, "PLACE")]
        if not c.keep_names:
            found += rules.names(text)
        if c.nlp is not None:
            found += [f for f in ner.entities(c.nlp, text)
                      if not (c.keep_names and f.kind == "NAME")]
        keep = {k.strip().lower() for k in c.keep if k.strip()}
        found = [f for f in found if text[f.start:f.end].lower() not in keep]
        if not c.keep_names:
            # Later mentions of a name found here or in an earlier text of the same report.
            tokens = {t for f in found if f.kind == "NAME" for t in f.key.split()}
            tokens |= set(self._numbers.get("NAME", {}))
            found += [f for f in rules.mentions(text, tokens) if f.key not in keep]
        return found

    def _placeholder(self, found: Found, surface: str) -> str:
        if found.kind not in NUMBERED:
            return f"[{LABELS.get(found.kind, found.kind)}]"
        seen = self._numbers.setdefault(found.kind, {})
        tokens = (found.key or surface.lower()).split()
        # "Sarah Jones" then "Sarah" (or "Mrs Jones") share a token, so one number.
        number = next((seen[t] for t in tokens if t in seen), None)
        if number is None:
            number = max(seen.values(), default=0) + 1
        for t in tokens:
            seen.setdefault(t, number)
        return f"[{found.kind} {number}]"

    def run(self, text: str) -> DeidResult:
        """Replace every identifier found in ``text``."""
        chosen: list[Found] = []
        ranked = sorted(self._candidates(text),
                        key=lambda f: (-PRIORITY[f.kind], -(f.end - f.start), f.start))
        for f in ranked:
            if all(f.end <= g.start or f.start >= g.end for g in chosen):
                chosen.append(f)
        chosen.sort(key=lambda f: f.start)
        parts, replacements, pos = [], [], 0
        for f in chosen:
            surface = text[f.start:f.end]
            placeholder = self._placeholder(f, surface)
            replacements.append(Replacement(f.start, f.end, surface, placeholder, f.kind))
            parts += [text[pos:f.start], placeholder]
            pos = f.end
        parts.append(text[pos:])
        return DeidResult(text, "".join(parts), tuple(replacements))


def deidentify(text: str, config: DeidConfig | None = None) -> DeidResult:
    """De-identify one text (a fresh numbering)."""
    return Deidentifier(config or DeidConfig()).run(text)


def deidentify_all(texts: Iterable[str], config: DeidConfig | None = None) -> list[DeidResult]:
    """De-identify several texts with one numbering."""
    d = Deidentifier(config or DeidConfig())
    return [d.run(t) for t in texts]
