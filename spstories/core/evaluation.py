"""Scoring a tagger against gold codes, as the outcomes codebook spec defines it.

Scoring is per text: a predicted (code, polarity) pair is a true positive when that
text's gold holds the same pair. Figures are reported over (code, polarity) pairs and
over codes alone (polarity ignored), micro-averaged (pooled counts) and macro-averaged
(the mean of per-label precision, recall and F1 over every label that occurs in the gold
or the predictions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from spstories.core.codebook import Codebook, Example
from spstories.core.ranking import Ranker
from spstories.core.tagging import Tagger, build_tagger
from spstories.core.tags import Tag

Pair = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass(frozen=True, slots=True)
class Average:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class EvaluationReport:
    n_texts: int
    pairs: dict[Pair, Score] = field(default_factory=dict)
    codes: dict[str, Score] = field(default_factory=dict)

    @property
    def micro_pairs(self) -> Average:
        return _micro(self.pairs.values())

    @property
    def macro_pairs(self) -> Average:
        return _macro(self.pairs.values())

    @property
    def micro_codes(self) -> Average:
        return _micro(self.codes.values())

    @property
    def macro_codes(self) -> Average:
        return _macro(self.codes.values())


def f1(precision: float, recall: float) -> float:
    """Harmonic mean; 0 when both are 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _micro(scores: Iterable[Score]) -> Average:
    tp = fp = fn = 0
    for s in scores:
        tp, fp, fn = tp + s.tp, fp + s.fp, fn + s.fn
    total = Score(tp, fp, fn)
    return Average(total.precision, total.recall, total.f1)


def _macro(scores: Iterable[Score]) -> Average:
    scores = list(scores)
    if not scores:
        return Average(0.0, 0.0, 0.0)
    n = len(scores)
    return Average(
        sum(s.precision for s in scores) / n,
        sum(s.recall for s in scores) / n,
        sum(s.f1 for s in scores) / n,
    )


def _count(
    predicted: Mapping[str, set[Hashable]], gold: Mapping[str, set[Hashable]]
) -> dict[Hashable, Score]:
    tp: Counter[Hashable] = Counter()
    fp: Counter[Hashable] = Counter()
    fn: Counter[Hashable] = Counter()
    for text_id, expected in gold.items():
        found = predicted.get(text_id, set())
        tp.update(found & expected)
        fp.update(found - expected)
        fn.update(expected - found)
    labels = set(tp) | set(fp) | set(fn)
    return {label: Score(tp[label], fp[label], fn[label]) for label in labels}


def evaluate(predicted: Mapping[str, set[Pair]], gold: Mapping[str, set[Pair]]) -> EvaluationReport:
    """Score predictions per text id; every predicted id must have gold."""
    extra = set(predicted) - set(gold)
    if extra:
        raise ValueError(f"predictions for texts without gold: {sorted(extra)[:5]}")
    pairs = _count(predicted, gold)  # type: ignore[arg-type]
    codes = _count(
        {k: {code for code, _ in v} for k, v in predicted.items()},
        {k: {code for code, _ in v} for k, v in gold.items()},
    )
    return EvaluationReport(len(gold), pairs, codes)  # type: ignore[arg-type]


def pairs_from_tags(tags: Iterable[Tag], rollup: Callable[[str], str]) -> set[Pair]:
    """The (top-level code, polarity) pairs a text's tags assert."""
    return {(rollup(t.code), None if t.polarity is None else str(t.polarity)) for t in tags}


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa between two coders' labels for the same items (1 = perfect)."""
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two equally long, non-empty label sequences")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[label] * cb[label] for label in ca) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def format_report(report: EvaluationReport) -> str:
    """A plain-text table: per code, then per pair, then the averages."""
    lines = [
        f"{report.n_texts} texts",
        "",
        f"{'code':<20} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}",
    ]
    for code in sorted(report.codes):
        s = report.codes[code]
        lines.append(
            f"{code:<20} {s.precision:6.2f} {s.recall:6.2f} {s.f1:6.2f} "
            f"{s.support:5d} {s.tp + s.fp:5d}"
        )
    lines += ["", f"{'code, polarity':<30} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}"]
    for pair in sorted(report.pairs, key=lambda p: (p[0], p[1] or "")):
        s = report.pairs[pair]
        name = f"{pair[0]}, {pair[1]}" if pair[1] else pair[0]
        lines.append(
            f"{name:<30} {s.precision:6.2f} {s.recall:6.2f} {s.f1:6.2f} "
            f"{s.support:5d} {s.tp + s.fp:5d}"
        )
    lines += ["", f"{'average':<30} {'P':>6} {'R':>6} {'F1':>6}"]
    for name, avg in (
        ("micro, (code, polarity)", report.micro_pairs),
        ("macro, (code, polarity)", report.macro_pairs),
        ("micro, code", report.micro_codes),
        ("macro, code", report.macro_codes),
    ):
        lines.append(f"{name:<30} {avg.precision:6.2f} {avg.recall:6.2f} {avg.f1:6.2f}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """One codebook example run through the tagger (or the ranker, for single-label)."""

    code: str
    example: Example
    passed: bool
    found: tuple[str, ...]


def check_examples(codebook: Codebook, tagger: Tagger | None = None) -> list[ExampleResult]:
    """Run every example of a codebook as a test.

    Multi-label codebooks: a positive example needs a tag of its code (or a sub-code) with
    its polarity; a negative one must have no tag of its code (of its polarity, if given).
    Single-label codebooks: a positive example must rank its code first, a negative one
    must not; each is ranked by a ranker built without that example (leave one out), so
    an example cannot vouch for itself.
    """
    tagger = tagger or build_tagger(codebook)
    results = []
    for code in codebook.codes:
        for i, example in enumerate(code.examples):
            if codebook.assignment == "single":
                reduced = replace(code, examples=code.examples[:i] + code.examples[i + 1 :])
                without = replace(
                    codebook,
                    digest="",
                    codes=tuple(reduced if c.id == code.id else c for c in codebook.codes),
                )
                found = tuple(c for c, _ in Ranker(without, tagger).rank(example.text))
                hit = found[0] == code.id
            else:
                tags = tagger.tag(example.text)
                found = tuple(sorted({f"{t.code}:{t.polarity}" for t in tags}))
                hit = any(
                    codebook.within(t.code, code.id)
                    and (example.polarity is None or t.polarity == example.polarity)
                    for t in tags
                )
            passed = hit if example.expect == "positive" else not hit
            results.append(ExampleResult(code.id, example, passed, found))
    return results
