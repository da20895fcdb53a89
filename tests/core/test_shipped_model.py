"""The model shipped in models/: it loads, it is the default, and its card tells the truth."""

from __future__ import annotations

import json

from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.evaluation import evaluate
from spstories.core.learning.artifacts import load_model, newest_model
from spstories.core.learning.data import pair_of, read_labelled
from spstories.core.learning.tagger import default_tagger


def test_the_shipped_model_loads_and_fits_the_current_codebook(shipped_models):
    spec = load_codebook(find_codebook("sp-outcomes"))
    directory = newest_model(shipped_models, spec.id)
    assert directory is not None, "models/ must ship a model for sp-outcomes"
    model, manifest = load_model(directory, shipped_models)
    assert manifest["codebook_sha256"] == spec.digest
    assert set(model.codes_) <= {c.id for c in spec.codes}
    card = (directory / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "CC BY-NC-SA 4.0" in card and "Held-out texts (78 texts" in card


def test_the_default_tagger_is_the_shipped_model_and_its_dev_figures_are_the_cards(
    shipped_models, dev_quotes
):
    spec = load_codebook(find_codebook("sp-outcomes"))
    manifest = json.loads(
        (newest_model(shipped_models, spec.id) / "manifest.json").read_text(encoding="utf-8")
    )
    tagger, why = default_tagger(spec)
    assert tagger.kind == manifest["default_kind"] and why is None
    gold = read_labelled(dev_quotes, spec)
    found = list(tagger.tag_many([u.text for u in gold]))
    for unit, tags in zip(gold, found, strict=True):
        for tag in tags:  # every machine tag names its evidence sentence and polarity
            assert unit.text[tag.start : tag.end] == tag.evidence and tag.polarity is not None
    predicted = {
        u.group: {(spec.rollup(t.code), t.polarity.value) for t in tags}
        for u, tags in zip(gold, found, strict=True)
    }
    report = evaluate(predicted, {u.group: set(map(pair_of, u.labels)) for u in gold})
    card = manifest["evaluation"][tagger.kind]
    assert round(report.micro_pairs.f1, 4) == card["micro_pairs_f1"]
    assert round(report.micro_pairs.precision, 4) == card["micro_pairs_precision"]
