"""``spstories tag``, ``evaluate`` and ``codebook``: exit codes, output, files, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from spstories.cli import cli
from spstories.cli.tagging import codebook, evaluate, tag
from spstories.core.io import read_plain, read_texts
from spstories.errors import ImportRowError, SpstoriesError

DEV = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "dev-quotes.jsonl"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_tag_jsonl_to_stdout(runner, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "a", "text": "I no longer feel lonely and I am more confident."}\n'
        '\n{"id": 7, "text": "The parking was terrible."}\n'
        '{"text": "She was rehoused."}\n'
    )
    result = runner.invoke(tag, ["--codebook", "sp-outcomes", str(source)])
    assert result.exit_code == 0, result.output
    records = lines(result.stdout)
    assert [r["id"] for r in records] == ["a", "7", "4"]
    first = records[0]
    assert (first["codebook"], first["codebook_version"]) == ("sp-outcomes", "1.0.0")
    assert {(t["code"], t["polarity"]) for t in first["tags"]} == {
        ("loneliness", "improved"),
        ("confidence", "improved"),
    }
    assert set(first["tags"][0]) == {
        "code",
        "polarity",
        "start",
        "end",
        "evidence",
        "score",
        "source",
    }
    scores = [t["score"] for t in first["tags"]]
    assert scores == sorted(scores, reverse=True)
    assert records[1]["tags"] == [] and "ranking" not in first


def test_tag_csv_with_columns_to_output_file(runner, tmp_path):
    source = tmp_path / "feedback.csv"
    source.write_text('ref,comment\nr1,"I\'ve made new friends, thank you"\nr2,ok\n')
    out = tmp_path / "tags.jsonl"
    result = runner.invoke(
        tag,
        [
            "--codebook",
            "sp-outcomes",
            "--text-column",
            "comment",
            "--id-column",
            "ref",
            "--output",
            str(out),
            "--no-progress",
            str(source),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    records = lines(out.read_text())
    assert [r["id"] for r in records] == ["r1", "r2"]
    assert records[0]["tags"][0]["code"] == "connection"
    text = "I've made new friends, thank you"
    t = records[0]["tags"][0]
    assert text[t["start"] : t["end"]] == t["evidence"]


def test_tag_plain_text_paragraphs_and_progress_on_stderr(runner, tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("I feel less anxious.\nStill lonely though.\n\nI got a job!\n")
    result = runner.invoke(tag, ["--codebook", "sp-outcomes", "--progress", str(source)])
    assert result.exit_code == 0
    records = lines(result.stdout)
    assert [r["id"] for r in records] == ["notes:1", "notes:4"]
    assert {(t["code"], t["polarity"]) for t in records[0]["tags"]} == {
        ("anxiety", "improved"),
        ("loneliness", "unchanged"),
    }
    assert "2/2" in result.stderr  # tqdm's bar


def test_tag_with_single_label_codebook_adds_the_ranking(runner, tmp_path):
    source = tmp_path / "quotes.jsonl"
    source.write_text(
        json.dumps(
            {
                "id": "q",
                "text": "We do a WEMWBS at the start and at "
                "twelve weeks and send the figures to the PCN.",
            }
        )
        + "\n"
    )
    result = runner.invoke(tag, ["--codebook", "sp-data-practice", str(source)])
    assert result.exit_code == 0, result.output
    (record,) = lines(result.stdout)
    assert record["ranking"][0]["code"] == "quant.data_types"
    assert len(record["ranking"]) == 7
    assert all(t["polarity"] is None for t in record["tags"])


def test_tag_accepts_a_codebook_file(runner, tmp_path):
    book = tmp_path / "mine.yaml"
    book.write_text(
        'id: mine\nversion: "0.1"\ntitle: Mine\ncodes:\n  - id: pets\n'
        "    label: Pets\n    definition: Pets.\n    patterns:\n"
        "      activity: [dog walking]\n"
    )
    source = tmp_path / "t.txt"
    source.write_text("I started dog walking for a neighbour.")
    result = runner.invoke(tag, ["--codebook", str(book), str(source)])
    assert result.exit_code == 0, result.output
    (record,) = lines(result.stdout)
    assert record["codebook"] == "mine" and record["tags"][0]["code"] == "pets"


@pytest.mark.parametrize(
    ("content", "name", "extra", "message"),
    [
        ('{"id": 1, "text": "x"}\nnot json\n', "in.jsonl", [], "row 2"),
        ('{"id": 1}\n', "in.jsonl", [], "text"),
        ("a,b\n1,2\n", "in.csv", [], "no column 'text'"),
        ("text\nhello\n", "in.csv", ["--id-column", "ref"], "no column 'ref'"),
        ("x", "in.txt", ["--codebook", "nonexistent"], "no codebook 'nonexistent'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(runner, tmp_path, content, name, extra, message):
    source = tmp_path / name
    source.write_text(content)
    args = ["--codebook", "sp-outcomes", *extra, str(source)]
    if "--codebook" in extra:
        args = [*extra, str(source)]
    result = runner.invoke(tag, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_input_and_bad_options_are_usage_errors(runner, tmp_path):
    result = runner.invoke(tag, ["--codebook", "sp-outcomes", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(tag, ["--codebook", "sp-outcomes", "--tagger", "bert", "x"])
    assert result.exit_code == 2 and "'rules'" in result.output


def test_evaluate_prints_the_figures(runner):
    result = runner.invoke(evaluate, ["--codebook", "sp-outcomes", "--gold", str(DEV)])
    assert result.exit_code == 0, result.output
    assert "78 texts" in result.output
    assert "micro, (code, polarity)" in result.output and "loneliness" in result.output


def test_evaluate_json(runner):
    result = runner.invoke(evaluate, ["--codebook", "sp-outcomes", "--gold", str(DEV), "--json"])
    assert result.exit_code == 0
    figures = json.loads(result.stdout)
    assert figures["texts"] == 78 and figures["micro_pairs"]["f1"] >= 0.7
    assert set(figures["codes"]) >= {"loneliness", "learning"}


def test_evaluate_single_label_reports_top1_accuracy(runner, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "1",
                "text": "Nobody reads our quarterly report to the PCN.",
                "gold": [{"code": "use.experiences"}],
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "2",
                "text": "Consent rules stop us collecting stories.",
                "gold": [{"code": "qual.collection_challenges"}],
            }
        )
        + "\n"
    )
    result = runner.invoke(
        evaluate, ["--codebook", "sp-data-practice", "--gold", str(gold), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["top1_subtheme_accuracy"] == 1.0


def test_evaluate_rejects_unknown_gold_codes(runner, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "1", "text": "x", "gold": [{"code": "happiness"}]}\n')
    result = runner.invoke(evaluate, ["--codebook", "sp-outcomes", "--gold", str(gold)])
    assert result.exit_code == 1
    assert "row 1" in result.output and "happiness" in result.output


def test_codebook_validate_and_show(runner, tmp_path):
    result = runner.invoke(codebook, ["validate", "codebooks/sp-outcomes.yaml", "--examples"])
    assert result.exit_code == 0, result.output
    assert "18 codes" in result.output and "all 117 examples pass" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text('id: bad\nversion: "1"\ntitle: Bad\ncodes:\n  - id: x\n    label: X\n')
    result = runner.invoke(codebook, ["validate", str(bad)])
    assert result.exit_code == 1
    assert str(bad) in result.output and "'x'" in result.output
    assert "'definition'" in result.output
    shown = runner.invoke(codebook, ["show", "sp-data-practice"])
    assert shown.exit_code == 0 and shown.output.startswith("# How social prescribing")


def test_commands_are_registered_on_the_main_group(runner):
    result = runner.invoke(cli, ["codebook", "validate", "sp-data-practice"])
    assert result.exit_code == 0 and "sp-data-practice version 1.0.0" in result.output
    assert runner.invoke(cli, ["tag", "--help"]).exit_code == 0


def test_readers_directly(tmp_path):
    assert [t.id for t in read_plain("a\nb\n\nc", name="f", split="lines")] == ["f:1", "f:2", "f:4"]
    assert [t.text for t in read_plain("a\nb\n\nc", name="f", split="none")] == ["a\nb\n\nc"]
    tsv = tmp_path / "x.tsv"
    tsv.write_text("id\ttext\n9\thello\n")
    assert [(t.id, t.text) for t in read_texts(tsv)] == [("9", "hello")]
    with pytest.raises(ImportRowError, match="row 1"):
        read_texts(_write(tmp_path / "y.jsonl", "[1, 2]\n"))
    with pytest.raises(SpstoriesError, match="cannot read"):
        read_texts(tmp_path / "missing.jsonl")


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
