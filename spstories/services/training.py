"""The machine's side of review: training the learned tagger from confirmed tags, saying
which tagging mode is active, ordering the review queue by the model's uncertainty, and
suggesting codes for a passage by meaning (sentence embeddings).

Models live in the models directory (``SPSTORIES_MODELS_DIR``, default ``models/``);
nothing is ever loaded from anywhere a user can upload to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.codebook import Codebook as CodebookSpec
from spstories.core.embeddings import NONE, default_backend
from spstories.core.embeddings import available as embeddings_available
from spstories.core.embeddings import status as embedding_status
from spstories.core.learning.artifacts import ModelError, models_dir, newest_model, read_manifest
from spstories.core.learning.data import LabelledText, label_of
from spstories.core.learning.tagger import ModelTagger, chosen_kind, load_tagger
from spstories.core.learning.training import TrainingResult, train
from spstories.core.learning.zeroshot import suggest_codes as zeroshot_suggestions
from spstories.core.tagging import build_tagger
from spstories.core.vocabulary import ReviewState
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.codebooks import spec_of
from spstories.services.jobs import Progress, register_task
from spstories.storage.models import Code, Codebook, Tag, User


def models_root() -> Path:
    """Where trained models are written and read."""
    return models_dir()


def reviewed_units(session: Session, codebook: Codebook) -> list[LabelledText]:
    """Training units from reviews: each reviewed passage with the labels people
    confirmed there (none when they rejected everything the machine said)."""
    spec = spec_of(codebook)
    rows = session.execute(
        select(Tag, Code.key)
        .join(Code, Tag.code_id == Code.id)
        .join(Codebook, Code.codebook_id == Codebook.id)
        .where(Codebook.key == codebook.key)
        .where(Tag.review_state != ReviewState.SUGGESTED.value)
    )
    passages: dict[tuple, set[str]] = defaultdict(set)
    evidence: dict[tuple, str] = {}
    known = {c.id for c in spec.codes}
    for tag, key in rows:
        document = f"cs{tag.case_study_id}" if tag.case_study_id else f"fb{tag.feedback_id}"
        where = (document, tag.field, tag.start_offset, tag.end_offset)
        evidence[where] = tag.evidence
        passages[where]  # a rejected-only passage is a negative example
        if tag.review_state == ReviewState.ACCEPTED.value and key in known:
            polarity = tag.polarity if spec.polarity else None
            passages[where].add(label_of(spec.rollup(key), polarity))
    return [
        LabelledText(evidence[where], frozenset(labels), f"{where[0]}", "review")
        for where, labels in sorted(passages.items())
    ]


def train_codebook(
    session: Session,
    codebook: Codebook,
    labelled: Sequence[LabelledText] = (),
    *,
    user: User | None = None,
    root: Path | None = None,
    folds: int = 5,
    progress: Callable[[float, str], object] | None = None,
) -> TrainingResult:
    """Train on confirmed tags, ``labelled`` texts and the codebook's examples."""
    spec = spec_of(codebook)
    units = [*labelled, *reviewed_units(session, codebook)]
    try:
        result = train(
            spec,
            units,
            build_tagger(spec),
            root or models_root(),
            folds=folds,
            progress=progress,
            embeddings=default_backend(),
        )
    except ValueError as exc:
        raise SpstoriesError(str(exc)) from exc
    audit.record(
        session,
        "model.train",
        user=user,
        obj=codebook,
        model=result.directory.name,
        units=result.n_units,
        data_sha256=result.data_sha256,
    )
    return result


@register_task("train")
def train_task(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Background job: train the learned tagger of a stored codebook version."""
    codebook = session.get(Codebook, int(params["codebook_id"]))
    if codebook is None:
        raise SpstoriesError("that codebook version no longer exists")
    user = session.get(User, params["user_id"]) if params.get("user_id") else None
    result = train_codebook(session, codebook, user=user, progress=progress)
    figures = result.cv.reports["model"].micro_pairs if result.cv else None
    return {
        "model": result.directory.name,
        "units": result.n_units,
        "model_micro_f1": round(figures.f1, 3) if figures else None,
    }


def model_tagger(spec: CodebookSpec) -> ModelTagger | None:
    """The newest model's tagger for a codebook, as the kind its training chose (model or
    hybrid), or None when there is none (or it is damaged: the app then keeps to the
    rules)."""
    root = models_root()
    directory = newest_model(root, spec.id)
    if directory is None:
        return None
    try:
        hybrid = chosen_kind(read_manifest(directory)) == "hybrid"
        return load_tagger(spec, hybrid=hybrid, models_dir=root, model=directory)
    except ModelError:
        return None


def _active_model(codebook_id: str) -> tuple[Path | None, dict[str, Any], str | None]:
    """The newest model of a codebook that can tag here, its manifest, and why the rules
    tag instead when it cannot."""
    directory = newest_model(models_root(), codebook_id)
    if directory is None:
        return None, {}, None
    manifest = read_manifest(directory)
    backend = manifest.get("params", {}).get("embeddings", NONE)
    if backend != NONE and not embeddings_available(backend):
        return None, {}, (
            f"The newest model, {directory.name}, needs {backend} sentence embeddings, "
            "which are not installed here, so the rules alone tag."
        )
    return directory, manifest, None


def model_status(spec: CodebookSpec) -> dict[str, Any]:
    """Which tagging mode is active for a codebook, and whether sentence embeddings are
    installed, for the pages to say so."""
    embeddings = embedding_status()
    directory, manifest, problem = _active_model(spec.id)
    return {
        "mode": chosen_kind(manifest) if directory else "rules",
        "model": directory.name if directory else None,
        "features": manifest.get("features"),
        "trained_at": manifest.get("trained_at"),
        "problem": problem,
        "embeddings": embeddings["mode"],
        "embeddings_message": embeddings["message"],
        "cv": manifest.get("cross_validation"),
        "evaluation": manifest.get("evaluation"),
        "trust": model_trust(spec.id, manifest),
    }


def model_trust(codebook_id: str, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    """Per code, the active model's precision, recall and F1 from its card (empty when the
    rules tag): what the counts of machine tags are worth."""
    if manifest is None:
        manifest = _active_model(codebook_id)[1]
    trust = manifest.get("trust") or {}
    return {str(code): dict(row) for code, row in trust.items() if isinstance(row, dict)}


def suggest_codes(spec: CodebookSpec, passage: str, top: int = 3) -> dict[str, Any]:
    """Codes whose descriptions are nearest in meaning to ``passage`` (zero-shot, with
    sentence embeddings), or the reason there are none."""
    embeddings = embedding_status()
    found: list[dict[str, Any]] = []
    if embeddings["mode"] != NONE and passage.strip():
        labels = {c.id: c.label for c in spec.codes}
        found = [
            {"code": code, "label": labels.get(code, code), "similarity": score}
            for code, score in zeroshot_suggestions(spec, passage, embeddings["mode"], top=top)
        ]
    return {**embeddings, "suggestions": found}


def uncertainty(tagger: ModelTagger, tag: Tag, code_key: str) -> float:
    """1 when the model is split 50/50 on this tag's code for its evidence, 0 when sure."""
    code = tagger.codebook.rollup(code_key)
    if code not in tagger.model.codes_:
        return 1.0  # a code the model never saw: it knows nothing, so ask
    rule = [(0, len(tag.evidence), label_of(code, tag.polarity))] if tag.origin == "rule" else []
    proba = tagger.model.predict_proba([tag.evidence], [rule])
    p = float(proba[0, tagger.model.codes_.index(code)])
    return 1.0 - abs(2.0 * p - 1.0)


def uncertain_first(tags: Sequence[Tag], spec: CodebookSpec) -> list[tuple[Tag, float | None]]:
    """Tags ordered by the model's uncertainty (most uncertain first), each with it; in
    the given order with None when there is no model."""
    tagger = model_tagger(spec)
    if tagger is None:
        return [(tag, None) for tag in tags]
    scored = [(tag, uncertainty(tagger, tag, tag.code.key)) for tag in tags]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0].id))
