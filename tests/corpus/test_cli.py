"""``spstories tag``'s partitioned path in this process (no cluster): options and errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from spstories.cli.tagging import tag
from spstories.core.corpus.output import read_parts


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(tag, ["--codebook", "sp-outcomes", *args])


def test_parts_in_this_process_equal_the_stream(inputs, tmp_path):
    stream = run(str(inputs["csv"]))
    out = tmp_path / "parts"
    parts = run("--output-dir", str(out), "--partition-size", "64KB", str(inputs["csv"]))
    assert parts.exit_code == 0, parts.output
    assert len(list(out.glob("part-*.jsonl"))) >= 3
    assert list(read_parts(out)) == [json.loads(line) for line in stream.stdout.splitlines()]
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["engine"] == "in this process" and manifest["texts"] == 320
    firsts = [p["first_row"] for p in manifest["parts"]]
    assert firsts[0] == 2 and firsts == sorted(firsts)


def test_bad_combinations_and_inputs_are_one_line_errors(inputs, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("I feel less lonely.\n")
    cases = [
        (["--scheduler", "tcp://127.0.0.1:8786", str(inputs["jsonl"])],
         "--scheduler needs --engine dask"),
        (["--output-dir", str(tmp_path / "o"), "-o", str(tmp_path / "x.jsonl"),
          str(inputs["jsonl"])], "give --output or --output-dir, not both"),
        (["--engine", "dask", "--output-format", "parquet", str(inputs["jsonl"])],
         "--output-format and --overwrite go with --output-dir"),
        (["--output-dir", str(tmp_path / "o"), str(text)], "use --engine single for plain text"),
        (["--output-dir", str(tmp_path / "o"), "--text-column", "body", str(inputs["csv"])],
         "no column 'body'"),
        (["--partition-size", "lots", str(inputs["csv"])], "is not a size such as 8MB"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
