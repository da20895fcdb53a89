"""The Dask engine gives exactly the single-process records, building the tagger once per
worker; ``spstories tag --engine dask`` writes them as parts or one stream.

One LocalCluster of two real worker processes serves the whole module (starting one costs
seconds); the CLI reaches it through ``--scheduler``, as it would a remote cluster.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from spstories.cli.tagging import tag
from spstories.core.corpus.engines import DaskEngine, SingleEngine, in_order
from spstories.core.corpus.output import read_parts
from spstories.core.corpus.reading import Columns, CorpusError, plan
from spstories.core.corpus.records import TaggerSpec, built_taggers, tag_partition, tag_texts

pytestmark = pytest.mark.xdist_group("dask")  # one cluster per run, not one per xdist worker


@pytest.fixture(scope="module")
def cluster():
    engine = DaskEngine(workers=2, processes=True)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def spec() -> TaggerSpec:
    return TaggerSpec.from_codebook_file("sp-outcomes")


def single_records(path, spec):
    parts = plan(path)
    results = in_order(SingleEngine().run(tag_partition, parts, spec, Columns(), None))
    return [record for result in results for record in result.records]


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_two_worker_processes_give_the_single_process_records(cluster, spec, inputs, kind):
    parts = plan(inputs[kind], partition_bytes=16_000)
    assert len(parts) >= 8  # more partitions than workers, arriving in any order
    arrived = list(cluster.run(tag_partition, parts, spec, Columns(), None))
    assert sorted(index for index, _ in arrived) == list(range(len(parts)))
    records = [r for result in in_order(arrived) for r in result.records]
    expected = single_records(inputs[kind], spec)
    assert records == expected
    assert sum(len(r["tags"]) for r in records) > 200  # real texts, really tagged
    # Each worker process built its tagger once, not once per partition.
    assert set(cluster.on_each_worker(built_taggers).values()) == {1}


def test_batches_of_texts_come_back_tagged_in_order(cluster, spec, real_texts):
    texts = [r["text"] for r in real_texts[:120]]
    batches = [texts[i : i + 25] for i in range(0, len(texts), 25)]
    tagged = [tags for batch in in_order(cluster.run(tag_texts, batches, spec)) for tags in batch]
    assert tagged == list(spec.build().tag_many(texts))


def test_an_error_in_a_partition_names_the_file_partition_and_row(cluster, spec, tmp_path):
    path = tmp_path / "broken.jsonl"
    good = '{"text": "I feel more confident now."}\n'
    path.write_text(good * 200 + "{not json\n" + good * 200)
    parts = plan(path, partition_bytes=2_000)
    with pytest.raises(CorpusError, match=r"broken.jsonl, partition \d+: row 201: not valid JSON"):
        list(cluster.run(tag_partition, parts, spec, Columns(), None))


def test_the_command_on_a_cluster_prints_what_the_single_path_prints(cluster, inputs):
    runner = CliRunner()
    address = cluster.cluster.scheduler_address
    for kind in ("jsonl", "csv"):
        single = runner.invoke(tag, ["--codebook", "sp-outcomes", str(inputs[kind])])
        assert single.exit_code == 0, single.output
        dask = runner.invoke(tag, ["--codebook", "sp-outcomes", "--engine", "dask",
                                   "--scheduler", address, "--partition-size", "20KB",
                                   str(inputs[kind])])
        assert dask.exit_code == 0, dask.output
        assert lines(dask.stdout) == lines(single.stdout)
        assert len(lines(dask.stdout)) == 320
        assert "Tagging stories." in dask.stderr and "Tagged 320 texts" in dask.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_the_command_writes_ordered_parts_and_a_manifest(cluster, inputs, tmp_path, fmt):
    runner = CliRunner()
    single = runner.invoke(tag, ["--codebook", "sp-outcomes", str(inputs["parquet"])])
    out = tmp_path / "tagged"
    args = ["--codebook", "sp-outcomes", "--engine", "dask", "--scheduler",
            cluster.cluster.scheduler_address, "--partition-size", "16KB", "--output-dir",
            str(out), "--output-format", fmt, str(inputs["parquet"])]
    result = runner.invoke(tag, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["texts"] == 320 and manifest["engine"].startswith("Dask, 2 workers")
    assert [p["file"] for p in manifest["parts"]] == sorted(p.name for p in out.glob("part-*"))
    assert list(read_parts(out)) == [json.loads(line) for line in lines(single.stdout)]
    again = runner.invoke(tag, args)
    assert again.exit_code == 1 and "--overwrite" in again.output
