"""What the pages are told about the tagging mode, including a model whose sentence
embeddings are not installed where it is loaded."""

from __future__ import annotations

from spstories.core import embeddings
from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.learning.data import LabelledText
from spstories.core.learning.training import train
from spstories.core.tagging import build_tagger
from spstories.services.training import model_status, model_tagger
from tests.embedding_backend import NAME

TEXTS = [
    ("I feel much less lonely since the group.", {"loneliness|improved"}),
    ("I got a job at the garden centre.", {"employment|improved"}),
    ("The parking was awful.", set()),
    ("I lost my job in March.", {"employment|worsened"}),
]


def test_a_model_needing_missing_embeddings_falls_back_to_rules(
    tmp_path, monkeypatch, hashed_backend
):
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(tmp_path))
    spec = load_codebook(find_codebook("sp-outcomes"))
    assert model_status(spec)["mode"] == "rules" and model_status(spec)["problem"] is None
    units = [LabelledText(t, frozenset(y), f"t{i}") for i, (t, y) in enumerate(TEXTS)]
    result = train(spec, units, build_tagger(spec), tmp_path, folds=2, embeddings=NAME)
    status = model_status(spec)
    assert status["mode"] == "model" and status["model"] == result.directory.name
    assert status["embeddings"] == NAME and NAME in status["features"]
    assert model_tagger(spec) is not None

    embeddings.unregister_backend(NAME)
    status = model_status(spec)
    assert status["mode"] == "rules" and status["model"] is None
    assert "not installed here" in status["problem"] and result.directory.name in status["problem"]
    assert status["embeddings"] == "none"
    assert model_tagger(spec) is None
