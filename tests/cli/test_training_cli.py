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


def test_evaluate_cv_scores_all_kinds_without_writing_a_model(tmp_path, monkeypatch):
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(tmp_path / "models"))
    labelled = tmp_path / "few.jsonl"
    labelled.write_text("".join(DEV.read_text().splitlines(keepends=True)[:24]))
    args = ["evaluate", "--codebook", "sp-outcomes", "--gold", str(labelled), "--cv", "3"]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["folds"] == 3 and figures["texts"] == 24
    assert set(figures) >= {"baseline", "rules", "model", "hybrid"}
    assert figures["rules"]["micro_pairs_f1"] > figures["baseline"]["micro_pairs_f1"]
    assert "switched off" in result.stderr  # which embedding mode was used
    assert not (tmp_path / "models").exists()
    table = CliRunner().invoke(cli, args)
    assert "24 texts, 3 folds by text" in table.stdout and "hybrid" in table.stdout


def test_evaluate_warns_when_the_model_was_trained_on_the_gold_texts(
    tmp_path, monkeypatch, database_url
):
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(tmp_path / "models"))
    lines = DEV.read_text().splitlines(keepends=True)
    seen, unseen = tmp_path / "seen.jsonl", tmp_path / "unseen.jsonl"
    seen.write_text("".join(lines[:12]))
    unseen.write_text("".join(lines[40:50]))
    runner = CliRunner()
    trained = runner.invoke(cli, ["--database-url", database_url, "train", "--codebook",
                                  "sp-outcomes", "--labelled", str(seen), "--folds", "2"])
    assert trained.exit_code == 0, trained.output
    scored = runner.invoke(cli, ["evaluate", "--codebook", "sp-outcomes", "--gold", str(seen),
                                 "--tagger", "hybrid"])
    assert scored.exit_code == 0, scored.output
    assert "12 of 12 gold texts were in the training data" in scored.stderr
    fair = runner.invoke(cli, ["evaluate", "--codebook", "sp-outcomes", "--gold", str(unseen),
                               "--tagger", "hybrid"])
    assert fair.exit_code == 0 and "training data" not in fair.stderr


def test_tag_uses_the_shipped_model_by_default_and_says_when_rules_stand_in(
    tmp_path, monkeypatch, shipped_models
):
    stories = tmp_path / "in.jsonl"
    stories.write_text('{"id": "a", "text": "I no longer feel lonely since the walking group."}\n')
    runner = CliRunner()
    shipped = runner.invoke(cli, ["tag", "--codebook", "sp-outcomes", str(stories)])
    assert shipped.exit_code == 0, shipped.output
    tags = json.loads(shipped.stdout)["tags"]
    assert tags and "model" in {t["source"] for t in tags}
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(tmp_path / "empty"))
    rules = runner.invoke(cli, ["tag", "--codebook", "sp-outcomes", str(stories)])
    assert rules.exit_code == 0
    assert "tagging with the rules" in rules.stderr
    assert {t["source"] for t in json.loads(rules.stdout)["tags"]} == {"rule"}


def test_train_refuses_to_evaluate_on_its_training_texts(tmp_path):
    result = CliRunner().invoke(cli, ["train", "--codebook", "sp-outcomes", "--no-reviews",
                                      "--labelled", str(DEV), "--evaluate", str(DEV),
                                      "--models-dir", str(tmp_path)])
    assert result.exit_code == 1 and "must never be trained on" in result.output
