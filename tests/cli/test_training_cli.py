"""``spstories train``: writes a model with its card; ``tag --tagger hybrid`` then uses it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from spstories.cli import cli

DEV = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "dev-quotes.jsonl"


def test_train_then_tag_with_the_model(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(tmp_path / "models"))
    labelled = tmp_path / "few.jsonl"
    labelled.write_text("".join(DEV.read_text().splitlines(keepends=True)[:20]))
    runner = CliRunner()
    result = runner.invoke(cli, ["--database-url", database_url, "train", "--codebook",
                                 "sp-outcomes", "--labelled", str(labelled), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "hybrid" in result.output and "baseline" in result.output
    (model,) = (tmp_path / "models").iterdir()
    assert model.name.startswith("sp-outcomes-1.0.0-")
    assert "20 labelled texts" in (model / "MODEL_CARD.md").read_text()
    stories = tmp_path / "in.jsonl"
    stories.write_text('{"id": "a", "text": "I no longer feel lonely."}\n')
    tagged = runner.invoke(cli, ["tag", "--codebook", "sp-outcomes", "--tagger", "hybrid",
                                 str(stories)])
    assert tagged.exit_code == 0, tagged.output
    record = json.loads(tagged.output)
    assert ("loneliness", "improved") in {(t["code"], t["polarity"]) for t in record["tags"]}


def test_train_refuses_a_labelled_file_with_unknown_codes(tmp_path, database_url):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "text": "x", "gold": [{"code": "nope", "polarity": "improved"}]}\n')
    result = CliRunner().invoke(cli, ["--database-url", database_url, "train", "--codebook",
                                      "sp-outcomes", "--labelled", str(bad)])
    assert result.exit_code == 1
    assert "nope" in result.output
