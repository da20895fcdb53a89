"""Optional sentence embeddings: backends, the mode pages report, zero-shot similarity,
and embedding features in the learned tagger, with a small real backend (hashed words)
standing in where the optional model is not installed."""

from __future__ import annotations

import numpy as np
import pytest

from spstories.core import embeddings
from spstories.core.learning.artifacts import ModelError, load_model, save_model
from spstories.core.learning.classifier import CodebookClassifier
from spstories.core.learning.data import LabelledText, text_hash
from spstories.core.learning.tagger import load_tagger
from spstories.core.learning.training import train
from spstories.core.learning.zeroshot import code_prototypes, prototype_texts, suggest_codes
from spstories.errors import ModelUnavailable
from tests.embedding_backend import NAME
from tests.learning_data import GROUPS, TEXTS, X, Y


def test_switched_off_the_mode_is_none_whatever_is_installed(hashed_backend, monkeypatch):
    monkeypatch.setenv("SPSTORIES_EMBEDDINGS", "none")
    assert not embeddings.available(NAME)
    assert embeddings.default_backend() == embeddings.NONE
    state = embeddings.status()
    assert state["mode"] == embeddings.NONE and "switched off" in state["message"]
    with pytest.raises(ModelUnavailable, match="switched off"):
        embeddings.resolve(NAME)
    with pytest.raises(ModelUnavailable, match="no sentence-embedding backend"):
        embeddings.encode(["hello"], embeddings.NONE)
    with pytest.raises(ModelUnavailable, match="unknown embedding backend"):
        embeddings.resolve("nonesuch")


def test_a_backend_that_is_not_installed_is_refused_with_the_hint(monkeypatch):
    monkeypatch.setenv("SPSTORIES_EMBEDDINGS", "auto")
    embeddings.register_backend(
        embeddings.Backend("absent", "absent", lambda: False, lambda: None, " Try X.")
    )
    try:
        assert not embeddings.available("absent")
        with pytest.raises(ModelUnavailable, match=r"not installed\. Try X\."):
            embeddings.resolve("absent")
        state = embeddings.status("absent")
        assert state["mode"] == embeddings.NONE and "not installed" in state["message"]
    finally:
        embeddings.unregister_backend("absent")


def test_encode_normalises_and_embeds_each_text_once(hashed_backend):
    first = embeddings.encode(["lonely at home", "a new job", "lonely at home"], NAME)
    assert first.shape == (3, 512)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(first[0], first[2])
    again = embeddings.encode(["a new job", "volunteering"], NAME)
    np.testing.assert_array_equal(again[0], first[1])
    assert hashed_backend == [2, 1]  # duplicates and cached texts were not re-embedded
    assert embeddings.default_backend() == NAME
    assert embeddings.status()["mode"] == NAME


def test_prototypes_describe_codes_and_roll_up(outcomes):
    pairs = prototype_texts(outcomes, rollup=True)
    owners = {owner for owner, _ in pairs}
    assert owners <= {c.id for c in outcomes.codes if c.parent is None}
    assert any(text.startswith("Loneliness") for owner, text in pairs if owner == "loneliness")


def test_zero_shot_suggestions_rank_the_code_the_passage_is_about(outcomes, hashed_backend):
    assert suggest_codes(outcomes, "I was lonely and isolated, nobody to talk to", NAME)[0][0] == (
        "loneliness"
    )
    top = suggest_codes(outcomes, "I started volunteering at the food bank", NAME, top=2)
    assert top[0][0] == "volunteering" and len(top) == 2
    assert top[0][1] > top[1][1]


def test_embedding_features_widen_the_model_and_survive_a_round_trip(
    outcomes, hashed_backend, tmp_path
):
    prototypes = code_prototypes(outcomes, NAME)
    plain = CodebookClassifier().fit(X, Y, groups=GROUPS)
    model = CodebookClassifier(embeddings=NAME).fit(
        X, Y, groups=GROUPS, prototypes=prototypes
    )
    extra = 512 + len(prototypes.codes)
    assert model.sentence_coef_.shape[1] == plain.sentence_coef_.shape[1] + extra
    assert not np.allclose(model.predict_proba(X), plain.predict_proba(X))
    directory = save_model(model, tmp_path / "m-1-x", {"codebook": "toy", "trained_at": "t"})
    loaded, manifest = load_model(directory, tmp_path)
    assert manifest["params"]["embeddings"] == NAME
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-5)
    embeddings.unregister_backend(NAME)
    with pytest.raises(ModelError, match="not installed here"):
        load_model(directory, tmp_path)


def test_embeddings_and_prototypes_go_together(outcomes, hashed_backend):
    with pytest.raises(ValueError, match="prototypes"):
        CodebookClassifier(embeddings=NAME).fit(X, Y)
    with pytest.raises(ValueError, match="prototypes"):
        CodebookClassifier().fit(X, Y, prototypes=code_prototypes(outcomes, NAME))


def test_training_with_embeddings_records_the_mode_and_the_texts(
    outcomes, tagger, hashed_backend, tmp_path
):
    units = [LabelledText(t, frozenset(y), f"text:{i}") for i, (t, y) in enumerate(TEXTS[:6])]
    result = train(outcomes, units, tagger, tmp_path, folds=2, embeddings=NAME)
    card = (result.directory / "MODEL_CARD.md").read_text()
    assert f"{NAME} sentence embeddings" in card
    hybrid = load_tagger(outcomes, hybrid=True, models_dir=tmp_path)
    assert text_hash(TEXTS[0][0]) in hybrid.training_texts
    assert text_hash("  I feel much less lonely\nsince the group. ") in hybrid.training_texts
    assert len(hybrid.training_texts) == 6
    tags = hybrid.tag("I feel much less lonely since the group.")
    assert ("loneliness", "improved") in {(t.code, t.polarity.value) for t in tags}

