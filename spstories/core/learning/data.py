"""Labelled units for training: a text (a whole short text, a sentence, a codebook
example) with the set of labels it carries, and where rules found labels in it.

A label is ``"code|polarity"`` (or just ``"code"`` for codebooks without polarity): plain
strings, so fitted models serialise to JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spstories.core.codebook import Codebook
from spstories.core.io import read_gold
from spstories.core.tags import Tag

RuleSpan = tuple[int, int, str]


def label_of(code: str, polarity: object | None) -> str:
    """The label string of a (code, polarity) pair."""
    return code if polarity is None else f"{code}|{polarity}"


def pair_of(label: str) -> tuple[str, str | None]:
    code, _, polarity = label.partition("|")
    return code, polarity or None


@dataclass(frozen=True)
class LabelledText:
    """One training unit; ``group`` keeps units of the same source text in one CV fold."""

    text: str
    labels: frozenset[str]
    group: str
    source: str = "labelled"
    rules: tuple[RuleSpan, ...] = field(default=(), compare=False)


def rule_spans(tags: Iterable[Tag], codebook: Codebook) -> tuple[RuleSpan, ...]:
    """Rule tags as (start, end, label), codes rolled up to the top level."""
    return tuple((t.start, t.end, label_of(codebook.rollup(t.code), t.polarity)) for t in tags)


def codebook_examples(codebook: Codebook) -> list[LabelledText]:
    """The codebook's examples as units: a positive example carries its code (rolled up)
    and polarity; a negative one carries no label, which teaches the model what is not."""
    units = []
    for code in codebook.codes:
        for i, example in enumerate(code.examples):
            labels: frozenset[str] = frozenset()
            if example.expect == "positive" and (example.polarity or not codebook.polarity):
                labels = frozenset({label_of(codebook.rollup(code.id), example.polarity)})
            elif example.expect == "positive":
                continue  # a positive example without polarity cannot teach a polar label
            units.append(LabelledText(example.text, labels, f"example:{code.id}:{i}", "example"))
    return units


def read_labelled(path: str | Path, codebook: Codebook) -> list[LabelledText]:
    """A file in the ``dev-quotes.jsonl`` format; codes must be in the codebook."""
    gold = read_gold(path, codes=[c.id for c in codebook.codes])
    return [
        LabelledText(
            g.text,
            frozenset(label_of(codebook.rollup(c), p) for c, p in g.pairs),
            f"text:{g.id}",
        )
        for g in gold
    ]


def data_hash(units: Sequence[LabelledText]) -> str:
    """SHA-256 of the training data in a canonical form (order-independent)."""
    rows = sorted(json.dumps([u.text, sorted(u.labels)], ensure_ascii=False) for u in units)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def text_hash(text: str) -> str:
    """A short fingerprint of a text (white space normalised), to recognise training
    texts later without keeping them."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def text_hashes(units: Sequence[LabelledText]) -> list[str]:
    """Sorted fingerprints of the labelled texts (not codebook examples) in ``units``."""
    return sorted({text_hash(u.text) for u in units if u.source != "example"})
