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
from spstories.core.tagging import Tagger
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
    """One training unit; ``group`` keeps units of the same source text in one CV fold.

    ``evidence`` holds (start, end, label) spans that support its labels, where known;
    ``rules`` and ``matches`` what the rule tagger found in it: its tags as (start, end,
    "code|polarity") and every pattern match as (start, end, "code|role")."""

    text: str
    labels: frozenset[str]
    group: str
    source: str = "labelled"
    evidence: tuple[RuleSpan, ...] = ()
    rules: tuple[RuleSpan, ...] = field(default=(), compare=False)
    matches: tuple[RuleSpan, ...] = field(default=(), compare=False)


def rule_spans(tags: Iterable[Tag], codebook: Codebook) -> tuple[RuleSpan, ...]:
    """Rule tags as (start, end, label), codes rolled up to the top level."""
    return tuple((t.start, t.end, label_of(codebook.rollup(t.code), t.polarity)) for t in tags)


def rule_findings(
    rules: Tagger,
    texts: Sequence[str],
    codebook: Codebook,
    analysed: Sequence[tuple[list[Tag], list]] | None = None,
) -> list[tuple[tuple[RuleSpan, ...], tuple[RuleSpan, ...]]]:
    """What the rules find in each text: its tags as (start, end, "code|polarity") and its
    pattern matches as (start, end, "code|role"), codes rolled up to the top level.
    ``analysed`` is the output of ``rules.analyse_many(texts)`` when the caller has it."""
    if analysed is None:
        analyse_many = getattr(rules, "analyse_many", None)
        if analyse_many is None:  # another kind of tagger: its tags, no pattern matches
            return [(rule_spans(tags, codebook), ()) for tags in rules.tag_many(texts)]
        analysed = list(analyse_many(texts))
    return [
        (
            rule_spans(tags, codebook),
            tuple((m.start, m.end, f"{codebook.rollup(m.code)}|{m.role}") for m in matches),
        )
        for tags, matches in analysed
    ]


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
    """A file in the ``dev-quotes.jsonl`` format (``train-silver.jsonl`` adds each tag's
    evidence); codes must be in the codebook."""
    gold = read_gold(path, codes=[c.id for c in codebook.codes])
    return [
        LabelledText(
            g.text,
            frozenset(label_of(codebook.rollup(c), p) for c, p in g.pairs),
            f"text:{g.id}",
            evidence=tuple((s, e, label_of(codebook.rollup(c), p)) for s, e, c, p in g.evidence),
        )
        for g in gold
    ]


def licences_of(path: str | Path) -> list[str]:
    """The ``licence`` values of a labelled JSONL file (rows without one are skipped)."""
    found = []
    with Path(path).open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict) and isinstance(record.get("licence"), str):
                    found.append(record["licence"])
    return sorted(set(found))


def data_hash(units: Sequence[LabelledText]) -> str:
    """SHA-256 of the training data in a canonical form (order-independent)."""
    rows = sorted(
        json.dumps([u.text, sorted(u.labels), sorted(u.evidence)], ensure_ascii=False)
        for u in units
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def text_hash(text: str) -> str:
    """A short fingerprint of a text (white space normalised), to recognise training
    texts later without keeping them."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def text_hashes(units: Sequence[LabelledText]) -> list[str]:
    """Sorted fingerprints of the labelled texts (not codebook examples) in ``units``."""
    return sorted({text_hash(u.text) for u in units if u.source != "example"})
