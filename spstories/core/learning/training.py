"""Training a codebook's model end to end: data, cross-validated figures, the artifact
and its ``MODEL_CARD.md``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spstories.core.codebook import Codebook
from spstories.core.embeddings import NONE
from spstories.core.embeddings import versions as embedding_versions
from spstories.core.evaluation import EvaluationReport, evaluate
from spstories.core.learning.artifacts import model_dir_name, save_model
from spstories.core.learning.classifier import CodebookClassifier
from spstories.core.learning.crossval import (
    CrossValidation,
    cross_validate,
    fit_units,
    label_counts,
    summary,
    summary_of,
    with_rules,
)
from spstories.core.learning.data import (
    LabelledText,
    codebook_examples,
    data_hash,
    pair_of,
    text_hashes,
)
from spstories.core.learning.zeroshot import code_prototypes
from spstories.core.tagging import Tagger

MODE = "TF-IDF words and word pairs + rule tags and pattern matches"


def features_of(embeddings: str) -> str:
    """The features a model uses, in words, for manifests, model cards and pages."""
    if embeddings == NONE:
        return MODE
    return f"{MODE} + {embeddings} sentence embeddings and zero-shot similarity to codes"


@dataclass(frozen=True)
class TrainingResult:
    directory: Path
    model: CodebookClassifier
    cv: CrossValidation | None
    n_units: int
    data_sha256: str
    held_out: dict[str, EvaluationReport] | None = None


@dataclass(frozen=True)
class Prepared:
    """Labelled texts and codebook examples with their rule spans, and the fit options."""

    texts: list[LabelledText]
    examples: list[LabelledText]
    params: dict[str, Any]

    @property
    def units(self) -> list[LabelledText]:
        return self.texts + self.examples


def prepare(
    codebook: Codebook,
    labelled: Sequence[LabelledText],
    rules: Tagger,
    *,
    embeddings: str = NONE,
    say: Callable[[float, str], object] = lambda fraction, message: None,
    **params: Any,
) -> Prepared:
    """Attach rule spans to the labelled texts and the codebook's examples, and embed the
    code descriptions when ``embeddings`` names a backend."""
    say(0.05, "Finding rule matches")
    texts = with_rules(labelled, rules, codebook)
    examples = with_rules(codebook_examples(codebook), rules, codebook)
    if not any(u.labels for u in texts + examples):
        raise ValueError("no labelled data: add labelled texts or codebook examples")
    if embeddings != NONE:
        say(0.08, f"Embedding code descriptions ({embeddings})")
        params |= {"embeddings": embeddings, "prototypes": code_prototypes(codebook, embeddings)}
    return Prepared(texts, examples, params)


def cross_validated(
    data: Prepared,
    *,
    folds: int = 5,
    random_state: int = 0,
    progress: Callable[[int, int], object] | None = None,
) -> CrossValidation:
    """Cross-validated figures of baseline, rules, model and hybrid on the labelled
    texts (the codebook's examples are in every training fold, never scored);
    ``progress(done, folds)`` after each fold."""
    return cross_validate(
        data.texts,
        data.examples,
        folds=folds,
        random_state=random_state,
        progress=progress,
        **data.params,
    )


def train(
    codebook: Codebook,
    labelled: Sequence[LabelledText],
    rules: Tagger,
    root: Path,
    *,
    folds: int = 5,
    random_state: int = 0,
    when: datetime | None = None,
    progress: Callable[[float, str], object] | None = None,
    embeddings: str = NONE,
    evaluation: Sequence[LabelledText] = (),
    licences: Sequence[str] = (),
    **params: Any,
) -> TrainingResult:
    """Fit on ``labelled`` plus the codebook's examples, cross-validate on ``labelled``
    (when it has at least two texts), score on ``evaluation`` (texts never trained on)
    and write ``root/<codebook>-<version>-<date>/``. ``embeddings`` names a
    sentence-embedding backend to add its features; ``licences`` are the training data's."""
    say = progress or (lambda fraction, message: None)
    when = when or datetime.now(UTC)
    data = prepare(codebook, labelled, rules, embeddings=embeddings, say=say, **params)
    texts, examples, units = data.texts, data.examples, data.units
    cv = None
    if len({u.group for u in texts}) >= 2:
        cv = cross_validated(
            data,
            folds=folds,
            random_state=random_state,
            progress=lambda done, total: say(
                0.1 + 0.7 * done / total, f"Cross-validation fold {done} of {total}"
            ),
        )
    say(0.85, "Fitting the final model")
    model = fit_units(units, random_state=random_state, **data.params)
    held = None
    if evaluation:
        say(0.95, f"Scoring {len(evaluation)} held-out texts")
        held = score_held_out(model, with_rules(evaluation, rules, codebook))
    kind = default_kind(cv)
    digest = data_hash(units)
    metadata = {
        "codebook": codebook.id,
        "codebook_version": codebook.version,
        "codebook_sha256": codebook.digest,
        "trained_at": when.isoformat(timespec="seconds"),
        "training_units": len(units),
        "labelled_texts": len({u.group for u in texts}),
        "codebook_examples": len(examples),
        "data_sha256": digest,
        "features": features_of(embeddings),
        "embedding_packages": embedding_versions() if embeddings != NONE else None,
        "text_sha256": text_hashes(texts),
        "cross_validation": summary(cv) if cv else None,
        "evaluation": summary_of(held) if held else None,
        "evaluation_texts": len(evaluation),
        "licences": sorted(set(licences)),
        "default_kind": kind,
        "trust": trust(held, cv, kind),
    }
    directory = save_model(
        model, root / model_dir_name(codebook.id, codebook.version, when), metadata
    )
    (directory / "MODEL_CARD.md").write_text(model_card(metadata, model, cv, held, units))
    say(1.0, "Model written")
    return TrainingResult(directory, model, cv, len(units), digest, held)


KINDS = ("model", "hybrid")
# A code's trust figures come from the held-out gold texts when they hold at least this
# many of its tags; below that the cross-validated figures (many more texts) are steadier.
TRUST_SUPPORT = 10
LOW_CONFIDENCE_F1 = 0.6


def score_held_out(
    model: CodebookClassifier, units: Sequence[LabelledText]
) -> dict[str, EvaluationReport]:
    """Rules, model and hybrid scored on ``units`` (rules attached), never trained on."""
    found = model.predict(
        [u.text for u in units], [u.rules for u in units], [u.matches for u in units]
    )
    predicted: dict[str, dict[str, set]] = {kind: {} for kind in ("rules", "model", "hybrid")}
    gold: dict[str, set] = {}
    for unit, labels in zip(units, found, strict=True):
        by_rules = {pair_of(label) for *_, label in unit.rules}
        by_model = set(map(pair_of, labels))
        predicted["rules"].setdefault(unit.group, set()).update(by_rules)
        predicted["model"].setdefault(unit.group, set()).update(by_model)
        predicted["hybrid"].setdefault(unit.group, set()).update(by_model | by_rules)
        gold.setdefault(unit.group, set()).update(map(pair_of, unit.labels))
    return {kind: evaluate(p, gold) for kind, p in predicted.items()}


def default_kind(cv: CrossValidation | None) -> str:
    """The tagger the app and CLI use with this model: the model alone or the hybrid,
    whichever has the higher cross-validated micro-F1 (training data only; the held-out
    texts never choose)."""
    if cv is None:
        return "model"
    return max(KINDS, key=lambda kind: (cv.reports[kind].micro_pairs.f1, kind == "model"))


def trust(
    held: dict[str, EvaluationReport] | None, cv: CrossValidation | None, kind: str = "model"
) -> dict[str, dict[str, Any]]:
    """Per code, the precision, recall and F1 (polarity aside) of the ``kind`` of tagger
    that the product shows beside each count, with where the figure comes from."""
    sources = [("held-out", held[kind] if held else None)]
    sources.append(("cross-validation", cv.reports[kind] if cv else None))
    codes = sorted({c for _, r in sources if r for c in r.codes})
    out = {}
    for code in codes:
        for name, report in sources:
            score = report.codes.get(code) if report else None
            if score and (score.support >= TRUST_SUPPORT or name == "cross-validation"):
                out[code] = {
                    "precision": round(score.precision, 3),
                    "recall": round(score.recall, 3),
                    "f1": round(score.f1, 3),
                    "support": score.support,
                    "source": name,
                    "low_confidence": score.f1 < LOW_CONFIDENCE_F1,
                }
                break
    return out


def _table(reports: dict[str, EvaluationReport]) -> list[str]:
    lines = [
        "| tagger | micro P | micro R | micro F1 | macro P | macro R | macro F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, report in reports.items():
        mi, ma = report.micro_pairs, report.macro_pairs
        lines.append(
            f"| {kind} | {mi.precision:.3f} | {mi.recall:.3f} | {mi.f1:.3f} | "
            f"{ma.precision:.3f} | {ma.recall:.3f} | {ma.f1:.3f} |"
        )
    return [*lines, "", "(micro and macro over (code, polarity) pairs, per text)", ""]


def _per_code(reports: dict[str, EvaluationReport]) -> list[str]:
    lines = [
        "| code | " + " | ".join(reports) + " | gold tags |",
        "|---|" + "---|" * (len(reports) + 1),
    ]
    for code in sorted(set().union(*(r.codes for r in reports.values()))):
        cells = []
        for report in reports.values():
            s = report.codes.get(code)
            cells.append(f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}" if s else "–")
        support = max(r.codes[code].support for r in reports.values() if code in r.codes)
        lines.append(f"| {code} | " + " | ".join(cells) + f" | {support} |")
    return [*lines, ""]


def model_card(
    meta: dict[str, Any],
    model: CodebookClassifier,
    cv: CrossValidation | None,
    held: dict[str, EvaluationReport] | None,
    units: Sequence[LabelledText],
) -> str:
    """The model card: what it was trained on, how well it does, how it decides."""
    licences = ", ".join(meta.get("licences") or []) or "not stated in the data"
    lines = [
        f"# Model card: {meta['codebook']} {meta['codebook_version']}",
        "",
        f"- Trained: {meta['trained_at']} (seed {model.random_state})",
        f"- Codebook: `{meta['codebook']}` version {meta['codebook_version']} "
        f"(YAML SHA-256 `{meta['codebook_sha256'][:16]}…`)",
        f"- Training data: {meta['training_units']} units ({meta['labelled_texts']} labelled "
        f"texts, {meta['codebook_examples']} codebook examples), SHA-256 `{meta['data_sha256']}`",
        f"- Licence of the training data, which this model carries: {licences}",
        f"- Features: {meta['features']}"
        + (
            " (packages: "
            + ", ".join(f"{k} {v}" for k, v in meta["embedding_packages"].items())
            + "; needed wherever this model is loaded)"
            if meta.get("embedding_packages")
            else ""
        ),
        "- Model: per code, a logistic regression over sentences (trained on the sentences "
        "cited as evidence) and one over whole texts; a code's probability is the mean of "
        "its best sentence's and the text's, tagged at the code's threshold; that sentence "
        "is the evidence, and a separate polarity model reads its direction there.",
        "- Hybrid: the model's tags plus every rule tag.",
        f"- Default tagger with this model: **{meta.get('default_kind', 'model')}** (the "
        "higher cross-validated micro-F1 of model and hybrid; held-out texts never choose).",
        "- Artifact: `manifest.json`, `vocabulary.json`, `weights.npz` (no pickle; hashes in "
        "the manifest are checked on load).",
        "",
    ]
    if held:
        lines += [
            f"## Held-out texts ({meta['evaluation_texts']} texts, never trained on)",
            "",
            *_table(held),
            "### Per code (polarity aside): P / R / F1",
            "",
            *_per_code(held),
        ]
    if cv is None:
        lines += ["No cross-validation: fewer than two labelled texts.", ""]
    else:
        lines += [
            f"## Cross-validated ({cv.folds} folds by text, {cv.n_texts} texts)",
            "",
            "Each fold's model was trained without the texts it is scored on; thresholds "
            "were chosen inside the training folds. Baseline: every text gets the training "
            "folds' most frequent label.",
            "",
            *_table(cv.reports),
            "### Per code (polarity aside): P / R / F1",
            "",
            *_per_code(cv.reports),
        ]
    if meta.get("trust"):
        lines += [
            "## Figures shown beside counts in the app",
            "",
            f"Of the default tagger ({meta.get('default_kind', 'model')}). "
            f"From the held-out texts where they hold at least {TRUST_SUPPORT} tags of the "
            f"code, else from cross-validation; F1 below {LOW_CONFIDENCE_F1} is marked as a "
            "low-confidence count.",
            "",
            "| code | precision | recall | F1 | from | low confidence |",
            "|---|---|---|---|---|---|",
        ]
        for code, t in meta["trust"].items():
            lines.append(
                f"| {code} | {t['precision']:.2f} | {t['recall']:.2f} | {t['f1']:.2f} | "
                f"{t['source']} ({t['support']} tags) | {'yes' if t['low_confidence'] else ''} |"
            )
        lines.append("")
    counts = label_counts(units)
    lines += [
        "## Thresholds per code",
        "",
        "Chosen on out-of-fold probabilities inside the training data (3 inner folds): one "
        f"threshold shared by all codes, the best micro F-beta with beta {model.beta} "
        "(precision weighs more: counts go to commissioners).",
        "",
        "| code | training texts with it | threshold |",
        "|---|---|---|",
    ]
    per_code: dict[str, int] = {}
    for label, n in counts.items():
        per_code[pair_of(label)[0]] = per_code.get(pair_of(label)[0], 0) + n
    for j, code in enumerate(model.codes_):
        lines.append(f"| {code} | {per_code.get(code, 0)} | {model.thresholds_[j]:.3f} |")
    return "\n".join(lines) + "\n"
