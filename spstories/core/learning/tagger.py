"""Taggers backed by a trained model: ``model`` (the classifier alone) and ``hybrid``
(rules for precision, the model for recall).

The hybrid keeps every rule tag and adds a model tag for a sentence when the model's
probability for a (code, polarity) label reaches that label's hybrid threshold, chosen on
inner cross-validation to improve F1 over the rules alone (labels where it never did are
left to the rules). Both kinds load the newest model of the codebook from the models
directory; without one they refuse with a message saying how to train one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from spstories.core.codebook import Codebook
from spstories.core.learning.artifacts import ModelError, load_model, newest_model
from spstories.core.learning.artifacts import models_dir as default_models_dir
from spstories.core.learning.classifier import CodebookClassifier
from spstories.core.learning.data import pair_of, rule_spans
from spstories.core.tagging import (
    DEFAULT_MIN_SCORE,
    CodebookTagger,
    RuleTagger,
    register_tagger,
)
from spstories.core.tags import Polarity, Tag


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

    def tag(self, text: str) -> list[Tag]:
        return self.combine(text, self.rules.tag(text))

    def tag_many(self, texts: Iterable[str]) -> Iterator[list[Tag]]:
        texts = list(texts)
        for text, rule_tags in zip(texts, self.rules.tag_many(texts), strict=True):
            yield self.combine(text, rule_tags)

    def combine(self, text: str, rule_tags: list[Tag]) -> list[Tag]:
        """Model tags for ``text`` given its rule tags; with the rule tags when hybrid."""
        spans, proba = self.model.sentence_proba(text, rule_spans(rule_tags, self.codebook))
        limits = self.model.hybrid_thresholds_ if self.hybrid else self.model.thresholds_
        kept = list(rule_tags) if self.hybrid else []
        covered = {(t.start, t.end, self.codebook.rollup(t.code), t.polarity) for t in kept}
        for i, j in zip(*np.nonzero(proba >= limits), strict=True):
            code, polarity = pair_of(self.model.labels_[j])
            if code not in {c.id for c in self.codebook.codes}:
                continue  # a label of an older codebook version
            start, end = spans[i]
            pol = Polarity(polarity) if polarity else None
            if any(s < end and start < e and c == code and p == pol for s, e, c, p in covered):
                continue
            kept.append(
                Tag(
                    code,
                    pol,
                    start,
                    end,
                    text[start:end],
                    round(float(proba[i, j]), 3),
                    self.source,
                    self.codebook.id,
                    self.codebook.version,
                )
            )
        kept.sort(key=lambda t: (-t.score, t.start, t.code))
        return kept


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
