"""``spstories topics`` runs inline and prints, saves and writes its topics."""

from __future__ import annotations

import json

from click.testing import CliRunner

from spstories.main import cli
from tests.topic_data import add_planted_feedback


def test_topics_command_finds_planted_themes(database_url, db, orgs, tmp_path):
    add_planted_feedback(db, orgs["north"].id)
    out = tmp_path / "topics.json"
    result = CliRunner().invoke(cli, [
        "--database-url", database_url, "topics", "--codebook", "sp-outcomes", "--residual",
        "--org", orgs["north"].slug, "--kind", "feedback", "--seed", "5",
        "--models-dir", str(tmp_path / "models"), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Default backend" in result.output  # said on stderr, mixed in by CliRunner
    assert "allotment" in result.output or "garden" in result.output
    data = json.loads(out.read_text())
    assert data["params"]["residual"] is True and data["params"]["seed"] == 5
    assert data["topics"][0]["representatives"][0]["text"]
    folder = next((tmp_path / "models").iterdir())
    assert folder.name.startswith("topics-") and (folder / "MODEL_CARD.md").exists()


def test_topics_command_needs_an_organisation_when_there_are_several(database_url, orgs):
    result = CliRunner().invoke(cli, ["--database-url", database_url, "topics"])
    assert result.exit_code == 1 and "give --org" in result.output
