"""Taggers backed by a trained model: ``model`` (the classifier, the default wherever a
model is shipped or trained) and ``hybrid`` (the model's tags plus every rule tag).

The rules run first in both: their tags and pattern matches are features of the model.
Each model tag carries the sentence the model found the code in (its evidence) and the
polarity model's reading there. Both kinds load the newest model of the codebook from the
models directory; without one they refuse with a message saying how to train one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from spstories.core.codebook import Codebook
from spstories.core.learning.artifacts import ModelError, load_model, newest_model, read_manifest
from spstories.core.learning.artifacts import models_dir as default_models_dir
from spstories.core.learning.classifier import CodebookClassifier
from spstories.core.learning.data import rule_findings
from spstories.core.tagging import (
    DEFAULT_MIN_SCORE,
    CodebookTagger,
    RuleTagger,
    build_tagger,
    register_tagger,
)
from spstories.core.tags import Polarity, Tag

BATCH = 256


class ModelTagger(CodebookTagger):
    """Tags from a ``CodebookClassifier``, with or without the rule tags (``hybrid``)."""

    source = "model"

    def __init__(
        self,
        codebook: Codebook,
        model: CodebookClassifier,
        rules: RuleTagger,
        *,
        hybrid: bool,
        model_name: str = "",
        training_texts: frozenset[str] = frozenset(),
    ) -> None:
        self.codebook = codebook
        self.model = model
        self.rules = rules
        self.hybrid = hybrid
        self.kind = "hybrid" if hybrid else "model"
        self.model_name = model_name
        self.training_texts = training_texts  # fingerprints, to warn when scored on them
        self._known = {code.id for code in codebook.codes}

    def tag(self, text: str) -> list[Tag]:
        return next(self.tag_many([text]))

    def tag_many(self, texts: Iterable[str]) -> Iterator[list[Tag]]:
        stream = iter(texts)
        while batch := list(islice(stream, BATCH)):
            found = list(self.rules.analyse_many(batch))
            spans = rule_findings(self.rules, batch, self.codebook, found)
            decisions = self.model.decide(batch, [r for r, _ in spans], [m for _, m in spans])
            for text, (rule_tags, _), decided in zip(batch, found, decisions, strict=True):
                yield self._tags(text, rule_tags, decided)

    def _tags(self, text: str, rule_tags: list[Tag], decided: list) -> list[Tag]:
        tags = [
            Tag(
                d.code,
                Polarity(d.polarity) if d.polarity else None,
                d.start,
                d.end,
                text[d.start : d.end],
                d.score,
                self.source,
                self.codebook.id,
                self.codebook.version,
            )
            for d in decided
            if d.code in self._known  # a code of an older codebook version is dropped
        ]
        if self.hybrid:
            seen = {(t.code, t.polarity) for t in tags}
            tags += [t for t in rule_tags if (self.codebook.rollup(t.code), t.polarity) not in seen]
        tags.sort(key=lambda t: (-t.score, t.start, t.code))
        return tags


def load_tagger(
    codebook: Codebook,
    *,
    hybrid: bool,
    models_dir: str | Path | None = None,
    model: str | Path | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
) -> ModelTagger:
    """The model (or hybrid) tagger of ``codebook`` from its newest model directory, or
    from ``model`` (a directory inside ``models_dir``)."""
    root = Path(models_dir) if models_dir is not None else default_models_dir()
    directory = Path(model) if model is not None else newest_model(root, codebook.id)
    if directory is None:
        raise ModelError(
            f"no trained model for codebook {codebook.id!r} in {root}; "
            f"run 'spstories train --codebook {codebook.id}' first"
        )
    if not directory.is_absolute():
        directory = root / directory
    classifier, manifest = load_model(directory, root)
    # Built directly: this runs inside build_tagger's lock, which is not re-entrant.
    rules = RuleTagger.from_codebook(codebook, min_score=min_score)
    if manifest.get("codebook") != codebook.id:
        raise ModelError(f"{directory.name} was trained for codebook {manifest.get('codebook')}")
    return ModelTagger(
        codebook,
        classifier,
        rules,
        hybrid=hybrid,
        model_name=directory.name,
        training_texts=frozenset(manifest.get("text_sha256") or ()),
    )


def _factory(hybrid: bool):  # type: ignore[no-untyped-def]
    def build(codebook: Codebook, **options: object) -> ModelTagger:
        return load_tagger(codebook, hybrid=hybrid, **options)  # type: ignore[arg-type]

    return build


register_tagger("model", _factory(False))
register_tagger("hybrid", _factory(True))


def default_tagger(
    codebook: Codebook, *, models_dir: str | Path | None = None, **options: object
) -> tuple[CodebookTagger, str | None]:
    """The tagger to use when none is asked for: the codebook's newest model, as the kind
    its training chose (model or hybrid), else the rules, with the reason they stand in
    (None when the model tags)."""
    root = Path(models_dir) if models_dir is not None else default_models_dir()
    directory = newest_model(root, codebook.id)
    if directory is None:
        return build_tagger(codebook, **options), (  # type: ignore[return-value]
            f"No trained model for {codebook.id} in {root}: tagging with the rules "
            f"(train one with 'spstories train --codebook {codebook.id}')."
        )
    try:
        kind = chosen_kind(read_manifest(directory))
        tagger = build_tagger(codebook, kind=kind, models_dir=str(root), **options)
    except ModelError as exc:
        return build_tagger(codebook, **options), f"{exc}; tagging with the rules."  # type: ignore[return-value]
    return tagger, None  # type: ignore[return-value]


def auto_kind(codebook: Codebook, *, models_dir: str | Path | None = None) -> str:
    """What ``--tagger auto`` means for ``codebook`` here: the newest model's chosen kind
    (model or hybrid), else ``rules``."""
    root = Path(models_dir) if models_dir is not None else default_models_dir()
    directory = newest_model(root, codebook.id)
    if directory is None:
        return "rules"
    try:
        return chosen_kind(read_manifest(directory))
    except ModelError:
        return "rules"


def chosen_kind(manifest: dict) -> str:
    """``model`` or ``hybrid``: what the model's training chose as its default."""
    kind = manifest.get("default_kind", "model")
    return kind if kind in ("model", "hybrid") else "model"
