"""Editing a codebook as a code tree: YAML in and out, diffs between versions, a document.

A research project's codebook is a flat list of :class:`TreeCode` (key, parent, label,
definition, colour). YAML written here is in the shipped codebook format, so
``load_codebook_text`` reads it back; colours are not part of that format and travel in
REFI-QDA files instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

import yaml

from spstories.core.codebook import Codebook, codebook_to_markdown, load_codebook_text

PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#b58840", "#28a197",
           "#d53880", "#5694ca", "#85994b", "#912b88", "#6f72af")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
FIELDS = ("label", "parent", "definition", "colour")


@dataclass(frozen=True)
class TreeCode:
    key: str
    label: str
    parent: str | None = None
    definition: str = ""
    colour: str = PALETTE[0]


@dataclass(frozen=True)
class Change:
    """One difference between two versions: ``kind`` is added, removed or changed."""

    kind: str
    key: str
    field: str | None = None
    old: str | None = None
    new: str | None = None

    def __str__(self) -> str:
        if self.kind == "changed":
            return f"{self.key}: {self.field} {self.old!r} → {self.new!r}"
        return f"{self.kind} {self.key}"


def slug_key(label: str, taken: Sequence[str] = ()) -> str:
    """A code key made from a label ("Feeling less alone" → ``feeling_less_alone``)."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_")[:60] or "code"
    if not key[0].isalpha():
        key = "c_" + key
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key}_{n}", n + 1
    return candidate


def valid_colour(colour: str | None, index: int = 0) -> str:
    return colour if colour and _COLOUR.match(colour) else PALETTE[index % len(PALETTE)]


def from_spec(spec: Codebook) -> list[TreeCode]:
    return [TreeCode(c.id, c.label, c.parent, c.definition, PALETTE[i % len(PALETTE)])
            for i, c in enumerate(spec.codes)]


def check_tree(codes: Sequence[TreeCode]) -> None:
    """Raise ValueError naming the code when keys repeat, a parent is unknown or loops."""
    keys = [c.key for c in codes]
    by_key = {c.key: c for c in codes}
    for code in codes:
        if not _KEY.match(code.key):
            raise ValueError(f"code key {code.key!r} must be lower-case letters, digits and _")
        if keys.count(code.key) > 1:
            raise ValueError(f"code {code.key!r} is defined twice")
        if not code.label.strip():
            raise ValueError(f"code {code.key!r} needs a label")
        seen, parent = {code.key}, code.parent
        while parent is not None:
            if parent not in by_key:
                raise ValueError(f"code {code.key!r} names an unknown parent {parent!r}")
            if parent in seen:
                raise ValueError(f"code {code.key!r} is inside itself")
            seen.add(parent)
            parent = by_key[parent].parent


def descendants(codes: Sequence[TreeCode], key: str) -> set[str]:
    """Keys of every code below ``key`` (children, their children...)."""
    found: set[str] = set()
    frontier = {key}
    while frontier:
        frontier = {c.key for c in codes if c.parent in frontier and c.key not in found}
        found |= frontier
    return found


def _find(codes: Sequence[TreeCode], key: str) -> TreeCode:
    code = next((c for c in codes if c.key == key), None)
    if code is None:
        raise ValueError(f"no code {key!r} in this codebook")
    return code


def check_sibling_names(old: Sequence[TreeCode], new: Sequence[TreeCode]) -> None:
    """Raise ValueError when a code that is new, renamed or moved in ``new`` has the name
    of another code under the same parent (names compared ignoring case)."""
    before = {c.key: c for c in old}
    for code in new:
        was = before.get(code.key)
        if was is not None and (was.label, was.parent) == (code.label, code.parent):
            continue
        name = code.label.strip().casefold()
        clash = next((c for c in new if c.key != code.key and c.parent == code.parent
                      and c.label.strip().casefold() == name), None)
        if clash is not None:
            where = f"under {code.parent!r}" if code.parent else "at the top level"
            raise ValueError(f"there is already a code called {clash.label!r} {where}")


def rename(codes: Sequence[TreeCode], key: str, label: str) -> list[TreeCode]:
    """The tree with code ``key`` called ``label`` (its key, and so its codings, unchanged)."""
    code = _find(codes, key)
    label = label.strip()
    if not label:
        raise ValueError("give the code a name")
    if len(label) > 200:
        raise ValueError("a code name can be at most 200 characters")
    if label == code.label:
        raise ValueError(f"{code.label!r} already has that name")
    new = [replace(c, label=label) if c.key == key else c for c in codes]
    check_sibling_names(codes, new)
    return new


def move(codes: Sequence[TreeCode], key: str, parent: str | None) -> list[TreeCode]:
    """The tree with code ``key`` (and everything below it) under ``parent`` (None: the top)."""
    code = _find(codes, key)
    if parent is not None:
        target = _find(codes, parent)
        if parent == key:
            raise ValueError(f"{code.label!r} cannot go under itself")
        if parent in descendants(codes, key):
            raise ValueError(f"{code.label!r} cannot go under {target.label!r}, "
                             "which is one of its own subcodes")
    if code.parent == parent:
        raise ValueError(f"{code.label!r} is already there")
    new = [replace(c, parent=parent) if c.key == key else c for c in codes]
    check_sibling_names(codes, new)
    check_tree(new)
    return new


def merge(codes: Sequence[TreeCode], source: str, target: str) -> list[TreeCode]:
    """The tree without ``source``; its subcodes go under ``target``.

    When ``target`` is below ``source`` it first takes ``source``'s place, so no loop forms.
    """
    merged, into = _find(codes, source), _find(codes, target)
    if source == target:
        raise ValueError("a code cannot be merged into itself")
    target_parent = merged.parent if target in descendants(codes, source) else into.parent
    new = []
    for c in codes:
        if c.key == source:
            continue
        if c.key == target:
            c = replace(c, parent=target_parent)
        elif c.parent == source:
            c = replace(c, parent=target)
        new.append(c)
    check_sibling_names(codes, new)
    check_tree(new)
    return new


def ordered(codes: Sequence[TreeCode]) -> list[tuple[TreeCode, int]]:
    """Codes in tree order (parents before children) with their depth."""
    out: list[tuple[TreeCode, int]] = []

    def walk(parent: str | None, depth: int) -> None:
        for code in codes:
            if code.parent == parent:
                out.append((code, depth))
                walk(code.key, depth + 1)

    walk(None, 0)
    return out


def to_yaml(key: str, version: str, title: str, codes: Sequence[TreeCode],
            description: str = "") -> str:
    """The codebook in the shipped YAML format (a code without a definition gets its label)."""
    data = {
        "id": key, "version": str(version), "title": title,
        **({"description": description} if description else {}),
        "polarity": False,
        "codes": [
            {"id": c.key, "label": c.label, **({"parent": c.parent} if c.parent else {}),
             "definition": c.definition or c.label}
            for c, _depth in ordered(codes)
        ],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def from_yaml(text: str, label: str = "<uploaded codebook>") -> tuple[Codebook, list[TreeCode]]:
    """Read and validate a YAML codebook (raises CodebookError naming the field)."""
    spec = load_codebook_text(text, label)
    return spec, from_spec(spec)


def diff(old: Sequence[TreeCode], new: Sequence[TreeCode]) -> list[Change]:
    """What changed from ``old`` to ``new``, code by code."""
    before, after = {c.key: c for c in old}, {c.key: c for c in new}
    changes = [Change("removed", k) for k in before if k not in after]
    changes += [Change("added", k) for k in after if k not in before]
    for key in (k for k in after if k in before):
        for name in FIELDS:
            a, b = getattr(before[key], name), getattr(after[key], name)
            if a != b:
                changes.append(Change("changed", key, name, a, b))
    return changes


def to_markdown(key: str, version: str, title: str, codes: Sequence[TreeCode],
                description: str = "") -> str:
    """A codebook document for appendices (the shipped codebooks' layout)."""
    spec = load_codebook_text(to_yaml(key, version, title, codes, description), key)
    return codebook_to_markdown(spec)
