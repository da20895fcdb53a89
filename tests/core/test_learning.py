"""The learned tagger's core: estimator contract, sentences, artifacts, cross-validation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone

from spstories.core.learning.artifacts import ModelError, load_model, newest_model, save_model
from spstories.core.learning.classifier import CodebookClassifier
from spstories.core.learning.crossval import cross_validate, with_rules
from spstories.core.learning.data import LabelledText, codebook_examples, read_labelled
from spstories.core.learning.sentences import sentence_spans
from spstories.core.learning.tagger import ModelTagger, default_tagger, load_tagger
from spstories.core.learning.training import train
from spstories.core.tagging import build_tagger
from tests.learning_data import GROUPS, TEXTS, X, Y


@pytest.fixture(scope="module")
def fitted() -> CodebookClassifier:
    return CodebookClassifier().fit(X, Y, groups=GROUPS)


def test_init_stores_params_only_and_clone_keeps_them():
    model = CodebookClassifier(C=2.0, beta=1.0)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "thresholds_")
    assert copy.set_params(C=9.0) is copy and copy.C == 9.0
    with pytest.raises(ValueError, match="unknown parameter"):
        copy.set_params(word_ngrams=(1, 2))


def test_not_fitted_raises():
    with pytest.raises(RuntimeError, match="not fitted"):
        CodebookClassifier().predict_proba(["hello"])


def test_fit_returns_self_and_learns_codes(fitted):
    model = CodebookClassifier()
    assert model.fit(X, Y, groups=GROUPS) is model
    assert model.codes_ == ["employment", "finances", "loneliness", "wellbeing"]
    found = model.predict(["Now I feel less lonely.", "I got a job at last."])
    assert "loneliness|improved" in found[0]
    assert "employment|improved" in found[1]


def test_decisions_name_their_sentence_and_polarity(fitted):
    text = "The parking was awful. I feel much less lonely since the group."
    (decisions,) = fitted.decide([text])
    lonely = [d for d in decisions if d.code == "loneliness"]
    assert lonely and lonely[0].polarity == "improved"
    assert text[lonely[0].start : lonely[0].end] == "I feel much less lonely since the group."


def test_evidence_spans_teach_the_sentence_model():
    # Two-sentence texts: only the cited sentence carries the code.
    text = "The parking was awful. I got a job at the garden centre."
    cited = (text.index("I got"), len(text), "employment|improved")
    texts = [text, "The parking was awful. Nothing else changed."] * 6
    labels = [{"employment|improved"}, set()] * 6
    evidence = [(cited,), ()] * 6
    model = CodebookClassifier().fit(texts, labels, evidence=evidence)
    proba = model.predict_proba(["I got a job at the garden centre.", "The parking was awful."])
    assert proba[0, 0] > proba[1, 0]


def test_fit_is_deterministic_and_refit_forgets(fitted):
    again = CodebookClassifier().fit(X, Y, groups=GROUPS)
    np.testing.assert_array_equal(fitted.sentence_coef_, again.sentence_coef_)
    np.testing.assert_array_equal(fitted.thresholds_, again.thresholds_)
    refit = CodebookClassifier().fit(X[:6], [{"x|improved"}] * 3 + [set()] * 3)
    assert refit.codes_ == ["x"]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        CodebookClassifier().fit("one text", [{"a"}])
    with pytest.raises(ValueError):
        CodebookClassifier().fit(["a", "b"], [set(), set()])
    with pytest.raises(ValueError, match="beta"):
        CodebookClassifier(beta=0).fit(X, Y)


def test_sentence_spans_index_into_the_text():
    text = "First one. Second one!\n\n- a list item\nThird?"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one!", "a list item", "Third?"]


def test_artifact_round_trip(fitted, tmp_path):
    directory = save_model(fitted, tmp_path / "m-1-x", {"codebook": "toy", "trained_at": "t"})
    loaded, manifest = load_model(directory, tmp_path)
    assert manifest["codebook"] == "toy"
    np.testing.assert_allclose(loaded.predict_proba(X), fitted.predict_proba(X))
    assert newest_model(tmp_path, "toy") == directory


def test_tampered_or_foreign_artifacts_are_refused(fitted, tmp_path):
    directory = save_model(fitted, tmp_path / "m", {"codebook": "toy"})
    with pytest.raises(ModelError, match="loaded only from"):
        load_model(directory, tmp_path / "elsewhere")
    vocab = directory / "vocabulary.json"
    data = json.loads(vocab.read_text())
    data[0] = "injected"
    vocab.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="hash"):
        load_model(directory, tmp_path)
    (directory / "weights.npz").write_bytes(b"\x80\x04not a zip")
    with pytest.raises(ModelError):
        load_model(directory, tmp_path)


def test_codebook_examples_become_units(outcomes):
    units = codebook_examples(outcomes)
    assert any(u.labels == {"wellbeing|improved"} for u in units)
    assert any(not u.labels for u in units)  # negative examples teach what is not a code


def test_cross_validation_never_scores_training_texts(outcomes, tagger, dev_quotes):
    texts = with_rules(read_labelled(dev_quotes, outcomes)[:30], tagger, outcomes)
    # A model that memorised its texts would score them perfectly; held-out it cannot.
    cv = cross_validate(texts, folds=3)
    assert cv.n_texts == 30
    assert set(cv.reports) == {"baseline", "rules", "model", "hybrid"}
    assert cv.reports["model"].micro_pairs.f1 < 1.0
    rules_f1 = cv.reports["rules"].micro_pairs.f1
    assert cv.reports["hybrid"].micro_pairs.recall >= cv.reports["rules"].micro_pairs.recall
    assert 0 < rules_f1 <= 1


def test_train_writes_model_and_card_and_tags(outcomes, tagger, tmp_path):
    units = [LabelledText(t, frozenset(y), f"t{i % 6}") for i, (t, y) in enumerate(TEXTS)]
    held = [LabelledText("I got a new job.", frozenset({"employment|improved"}), "h1")]
    result = train(
        outcomes, units, tagger, tmp_path, folds=3, evaluation=held, licences=["CC BY 4.0"]
    )
    card = (result.directory / "MODEL_CARD.md").read_text()
    for needle in ("Training data", result.data_sha256, "hybrid", "baseline", "Thresholds",
                   "Held-out texts (1 texts", "CC BY 4.0", "seed 0"):
        assert needle in card
    manifest = json.loads((result.directory / "manifest.json").read_text())
    assert manifest["evaluation"]["model"]["micro_pairs_f1"] == round(
        result.held_out["model"].micro_pairs.f1, 4
    )
    assert set(manifest["trust"]) <= {c.id for c in outcomes.codes}
    assert all(t["source"] in {"held-out", "cross-validation"} for t in manifest["trust"].values())
    model_tagger = load_tagger(outcomes, hybrid=False, models_dir=tmp_path)
    assert isinstance(model_tagger, ModelTagger)
    text = "The parking was awful. I feel much less lonely since the group."
    tags = model_tagger.tag(text)
    assert all(text[t.start : t.end] == t.evidence and t.source == "model" for t in tags)
    assert any(t.code == "loneliness" for t in tags)
    hybrid = load_tagger(outcomes, hybrid=True, models_dir=tmp_path)
    rule_tags = {(t.code, t.polarity) for t in build_tagger(outcomes).tag(text)}
    assert rule_tags <= {(outcomes.rollup(t.code), t.polarity) for t in hybrid.tag(text)}
    chosen, why = default_tagger(outcomes, models_dir=tmp_path)
    assert chosen.kind == "model" and why is None
    rules, why = default_tagger(outcomes, models_dir=tmp_path / "none")
    assert rules.kind == "rules" and "spstories train" in why


def test_no_model_says_how_to_train(outcomes, tmp_path):
    with pytest.raises(ModelError, match="spstories train"):
        load_tagger(outcomes, hybrid=True, models_dir=tmp_path)
