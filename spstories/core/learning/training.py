"""Training a codebook's model end to end: data, cross-validated figures, the artifact
and its ``MODEL_CARD.md``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from spstories.core.codebook import Codebook
from spstories.core.embeddings import NONE
from spstories.core.embeddings import versions as embedding_versions
from spstories.core.learning.artifacts import model_dir_name, save_model
from spstories.core.learning.classifier import CodebookClassifier
from spstories.core.learning.crossval import (
    CrossValidation,
    cross_validate,
    fit_units,
    label_counts,
    summary,
    with_rules,
)
from spstories.core.learning.data import (
    LabelledText,
    codebook_examples,
    data_hash,
    text_hashes,
)
from spstories.core.learning.zeroshot import code_prototypes
from spstories.core.tagging import Tagger

MODE = "tf-idf word and character n-grams + rule matches"


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
    **params: Any,
) -> TrainingResult:
    """Fit on ``labelled`` plus the codebook's examples, cross-validate on ``labelled``
    (when it has at least two texts) and write ``root/<codebook>-<version>-<date>/``.
    ``embeddings`` names a sentence-embedding backend to add its features."""
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
    }
    directory = save_model(
        model, root / model_dir_name(codebook.id, codebook.version, when), metadata
    )
    (directory / "MODEL_CARD.md").write_text(model_card(metadata, model, cv, units))
    say(1.0, "Model written")
    return TrainingResult(directory, model, cv, len(units), digest)


def _fmt(value: float) -> str:
    return "never (rules only)" if not np.isfinite(value) else f"{value:.2f}"


def model_card(
    meta: dict[str, Any],
    model: CodebookClassifier,
    cv: CrossValidation | None,
    units: Sequence[LabelledText],
) -> str:
    """The model card: what it was trained on, how well it does, how it decides."""
    lines = [
        f"# Model card: {meta['codebook']} {meta['codebook_version']}",
        "",
        f"- Trained: {meta['trained_at']}",
        f"- Codebook: `{meta['codebook']}` version {meta['codebook_version']} "
        f"(YAML SHA-256 `{meta['codebook_sha256'][:16]}…`)",
        f"- Training data: {meta['training_units']} units ({meta['labelled_texts']} labelled "
        f"texts, {meta['codebook_examples']} codebook examples), SHA-256 `{meta['data_sha256']}`",
        f"- Features: {meta['features']}"
        + (
            " (packages: "
            + ", ".join(f"{k} {v}" for k, v in meta["embedding_packages"].items())
            + "; needed wherever this model is loaded)"
            if meta.get("embedding_packages")
            else ""
        ),
        "- Model: one logistic regression per (code, polarity) label over sentences; a text "
        "takes the highest sentence probability.",
        "- Hybrid: every rule tag, plus a model tag where the label's probability reaches its "
        "hybrid threshold (chosen on inner cross-validation to raise F1 over the rules; "
        "'never' where it did not).",
        "- Artifact: `manifest.json`, `vocabulary.json`, `weights.npz` (no pickle; hashes in "
        "the manifest are checked on load).",
        "",
    ]
    if cv is None:
        lines += ["No cross-validation: fewer than two labelled texts.", ""]
    else:
        lines += [
            f"## Cross-validated quality ({cv.folds} folds by text, {cv.n_texts} texts)",
            "",
            "Each fold's model was trained without the texts it is scored on; thresholds "
            "were chosen inside the training folds. Baseline: every text gets the training "
            "folds' most frequent label.",
            "",
            "| tagger | micro P | micro R | micro F1 | macro P | macro R | macro F1 |",
            "|---|---|---|---|---|---|---|",
        ]
        for kind, report in cv.reports.items():
            mi, ma = report.micro_pairs, report.macro_pairs
            lines.append(
                f"| {kind} | {mi.precision:.3f} | {mi.recall:.3f} | {mi.f1:.3f} | "
                f"{ma.precision:.3f} | {ma.recall:.3f} | {ma.f1:.3f} |"
            )
        lines += [
            "",
            "(over (code, polarity) pairs, per text)",
            "",
            "### Per code (polarity ignored): P / R / F1",
            "",
            "| code | " + " | ".join(cv.reports) + " | gold |",
            "|---|" + "---|" * (len(cv.reports) + 1),
        ]
        codes = sorted(set().union(*(r.codes for r in cv.reports.values())))
        for code in codes:
            cells = []
            for report in cv.reports.values():
                s = report.codes.get(code)
                cells.append(f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}" if s else "–")
            support = cv.reports["rules"].codes.get(code)
            lines.append(
                f"| {code} | " + " | ".join(cells) + f" | {support.support if support else 0} |"
            )
        lines.append("")
    counts = label_counts(units)
    lines += [
        "## Thresholds per label",
        "",
        "| label | training units | model | hybrid |",
        "|---|---|---|---|",
    ]
    for j, label in enumerate(model.labels_):
        lines.append(
            f"| {label} | {counts.get(label, 0)} | {_fmt(model.thresholds_[j])} | "
            f"{_fmt(model.hybrid_thresholds_[j])} |"
        )
    return "\n".join(lines) + "\n"
