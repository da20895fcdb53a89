"""Cross-validated figures for rules, model and hybrid, scored as the codebook spec says.

Texts are split into folds by group (a source text never sits on both sides); each fold's
model is trained on the other folds plus the always-in units (codebook examples) and
scores only the held-out texts, with the per-text scoring of ``core.evaluation``. The
thresholds are chosen inside each training fold, so nothing is tuned on the texts scored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from spstories.core.codebook import Codebook
from spstories.core.evaluation import EvaluationReport, evaluate
from spstories.core.learning.classifier import CodebookClassifier
from spstories.core.learning.data import LabelledText, pair_of, rule_findings
from spstories.core.learning.zeroshot import CodePrototypes
from spstories.core.tagging import Tagger

KINDS = ("baseline", "rules", "model", "hybrid")


@dataclass(frozen=True)
class CrossValidation:
    folds: int
    n_texts: int
    reports: dict[str, EvaluationReport]


def with_rules(units: Sequence[LabelledText], rules: Tagger, codebook: Codebook) -> list:
    """The units with the rule tagger's tags and pattern matches attached (rules are not
    trained, so this is done once, outside the folds)."""
    found = rule_findings(rules, [u.text for u in units], codebook)
    return [
        replace(u, rules=tags, matches=matches)
        for u, (tags, matches) in zip(units, found, strict=True)
    ]


def fit_units(
    units: Sequence[LabelledText], prototypes: CodePrototypes | None = None, **params: object
) -> CodebookClassifier:
    """A classifier fitted on ``units`` (their rules attached)."""
    return CodebookClassifier(**params).fit(  # type: ignore[arg-type]
        [u.text for u in units],
        [u.labels for u in units],
        rules=[u.rules for u in units],
        matches=[u.matches for u in units],
        evidence=[u.evidence for u in units],
        groups=[u.group for u in units],
        prototypes=prototypes,
    )


def cross_validate(
    texts: Sequence[LabelledText],
    always: Sequence[LabelledText] = (),
    *,
    folds: int = 5,
    random_state: int = 0,
    progress: Callable[[int, int], object] | None = None,
    prototypes: CodePrototypes | None = None,
    **params: object,
) -> CrossValidation:
    """Scores of the four kinds on ``texts`` (units with rules attached): the majority
    baseline (every text gets the training folds' most frequent label), the rules, the
    model, and the hybrid (the model's tags and the rules' together)."""
    from sklearn.model_selection import GroupKFold  # training only: tagging never imports it

    groups = [u.group for u in texts]
    n_groups = len(set(groups))
    if n_groups < 2:
        raise ValueError("cross-validation needs at least two labelled texts")
    folds = min(folds, n_groups)
    predicted: dict[str, dict[str, set]] = {kind: {} for kind in KINDS}
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for done, (train, test) in enumerate(splitter.split(texts, groups=groups), start=1):
        training = [texts[i] for i in train] + list(always)
        held = [texts[i] for i in test]
        counts = Counter(label for u in training for label in u.labels)
        majority = {counts.most_common(1)[0][0]} if counts else set()
        model = fit_units(training, prototypes, random_state=random_state, **params)
        alone = model.predict(
            [u.text for u in held], [u.rules for u in held], [u.matches for u in held]
        )
        for unit, found in zip(held, alone, strict=True):
            key = unit.group
            by_rules = {pair_of(label) for *_, label in unit.rules}
            predicted["baseline"].setdefault(key, set()).update(map(pair_of, majority))
            predicted["rules"].setdefault(key, set()).update(by_rules)
            predicted["model"].setdefault(key, set()).update(map(pair_of, found))
            predicted["hybrid"].setdefault(key, set()).update(set(map(pair_of, found)) | by_rules)
        if progress is not None:
            progress(done, folds)
    gold: dict[str, set] = {}
    for unit in texts:
        gold.setdefault(unit.group, set()).update(map(pair_of, unit.labels))
    reports = {kind: evaluate(predicted[kind], gold) for kind in KINDS}
    return CrossValidation(folds, len(gold), reports)


def label_counts(units: Sequence[LabelledText]) -> dict[str, int]:
    counts = Counter(label for u in units for label in u.labels)
    return dict(sorted(counts.items()))


def summary(cv: CrossValidation) -> dict[str, dict[str, float]]:
    """Micro and macro P/R/F1 over (code, polarity) pairs per kind, for JSON and tables."""
    return summary_of(cv.reports)


def summary_of(reports: dict[str, EvaluationReport]) -> dict[str, dict[str, float]]:
    """``summary`` of any reports by kind."""
    out = {}
    for kind, report in reports.items():
        row = {}
        for name in ("micro_pairs", "macro_pairs", "micro_codes", "macro_codes"):
            avg = getattr(report, name)
            row |= {
                f"{name}_{m}": round(float(getattr(avg, m)), 4)
                for m in ("precision", "recall", "f1")
            }
        out[kind] = row
    return out


def format_reports(reports: dict[str, EvaluationReport]) -> str:
    """A plain-text table of micro P/R/F1 and macro F1 per kind."""
    lines = [f"{'tagger':<10} {'micro P':>8} {'micro R':>8} {'micro F1':>9} {'macro F1':>9}"]
    for kind, report in reports.items():
        mi, ma = report.micro_pairs, report.macro_pairs
        lines.append(f"{kind:<10} {mi.precision:8.3f} {mi.recall:8.3f} {mi.f1:9.3f} {ma.f1:9.3f}")
    return "\n".join(lines)
