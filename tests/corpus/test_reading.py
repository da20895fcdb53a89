"""Partitioned reading gives exactly the texts, ids and row numbers of reading whole."""

from __future__ import annotations

import itertools

import pytest

from spstories.core.corpus.output import (
    MANIFEST,
    OutputSpec,
    prepare_directory,
    read_parts,
    write_manifest,
    write_part,
)
from spstories.core.corpus.reading import (
    DEFAULT_COLUMNS,
    Columns,
    CorpusError,
    plan,
    read_partition,
)
from spstories.core.io import read_texts
from spstories.errors import SpstoriesError


def read_all(path, size, columns=DEFAULT_COLUMNS):
    return [item for p in plan(path, columns=columns, partition_bytes=size)
            for item in read_partition(p, columns)]


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_partitions_read_what_reading_the_whole_file_reads(inputs, real_texts, kind):
    whole = read_texts(inputs[kind])
    assert len(whole) == len(real_texts)
    for size in (1, 20_000, 10**9):  # one record per partition, some, all in one
        parts = plan(inputs[kind], partition_bytes=size)
        assert [p.index for p in parts] == list(range(len(parts)))
        assert read_all(inputs[kind], size) == whole, size
    assert len(plan(inputs[kind], partition_bytes=20_000)) > 3


def test_default_ids_are_the_line_and_row_numbers_of_the_whole_file(inputs, real_texts):
    jsonl = read_all(inputs["jsonl"], 5_000)
    assert jsonl[0].id == "1" and jsonl[1].id == real_texts[1]["id"]
    # Blank lines count as lines in JSONL (line 2 is blank); blank CSV rows are not
    # counted, as csv.DictReader does not count them.
    assert jsonl[5].id == "7"
    csv_ids = [t.id for t in read_all(inputs["csv"], 5_000)]
    assert csv_ids == [str(n) for n in range(2, 2 + len(real_texts))]
    assert [t.id for t in read_all(inputs["parquet"], 5_000)] == [r["id"] for r in real_texts]
    rows = read_all(inputs["parquet"], 5_000, Columns("text", "text"))
    assert rows[3].id == real_texts[3]["text"]


def test_csv_records_with_line_breaks_stay_whole(inputs, real_texts):
    texts = [t.text for t in read_all(inputs["csv"], 1)]
    assert texts[7] == real_texts[7]["text"].replace(". ", ".\r\n", 1)
    assert "\r\n" in texts[7]


def test_errors_name_the_file_the_partition_and_the_row(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = '{"id": "x", "text": "I feel more confident."}\n'
    path.write_text(good * 30 + '{"id": "y", "text": 5}\n' + good * 30)
    parts = plan(path, partition_bytes=400)
    failing = [p for p, after in itertools.pairwise(parts)
               if p.first <= 31 < after.first]
    with pytest.raises(CorpusError) as caught:
        for part in parts:
            read_partition(part)
    message = str(caught.value)
    assert f"bad.jsonl, partition {failing[0].index}: row 31, column 'text'" in message
    assert "needs a text string" in message


def test_csv_errors_name_the_row(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("id,source,text\n1,a,fine\n2,b\n3,c,fine\n")
    (part,) = plan(path)
    with pytest.raises(CorpusError, match=r"short.csv, partition 0: row 3, column 'text': "
                       "row is shorter than the header"):
        read_partition(part)


def test_wrong_columns_are_refused_before_any_work(inputs):
    with pytest.raises(CorpusError, match=r"stories.csv: no column 'body' \(columns: "
                       r"received, text\); choose one with --text-column"):
        plan(inputs["csv"], columns=Columns("body"))
    with pytest.raises(CorpusError, match=r"no column 'ref'.*--id-column"):
        plan(inputs["parquet"], columns=Columns("text", "ref"))
    with pytest.raises(CorpusError, match=r"no column 'missing'.*--text-column"):
        plan(inputs["parquet"], columns=Columns("missing"))


def test_parquet_text_must_be_text_and_present(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    numbers = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"text": [1, 2]}), numbers)
    with pytest.raises(CorpusError, match=r"column 'text' holds int64, not text"):
        plan(numbers)
    holes = tmp_path / "holes.parquet"
    pq.write_table(pa.table({"text": ["I feel better.", None]}), holes)
    (part,) = plan(holes)
    with pytest.raises(CorpusError, match=r"holes.parquet, partition 0: row 2, column 'text'"):
        read_partition(part)
    not_parquet = tmp_path / "fake.parquet"
    not_parquet.write_text("id,text\n")
    with pytest.raises(CorpusError, match=r"fake.parquet cannot be read as Parquet"):
        plan(not_parquet)


def test_plain_text_is_not_partitioned(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("One.\n\nTwo.\n")
    with pytest.raises(CorpusError, match=r"use --engine single for plain text"):
        plan(path)


def test_not_utf8_is_an_error_naming_the_place(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
    (part,) = plan(path)
    with pytest.raises(CorpusError, match=r"latin.jsonl, partition 0: not UTF-8 text"):
        read_partition(part)


def test_parts_are_written_whole_in_order_and_never_over_an_earlier_run(tmp_path):
    records = [{"id": str(i), "codebook": "c", "codebook_version": "1", "tags": []}
               for i in range(5)]
    tagged = {"id": "t", "codebook": "c", "codebook_version": "1", "tags": [
        {"code": "x", "polarity": None, "start": 0, "end": 3, "evidence": "abc", "score": 0.5,
         "source": "rule"}]}
    for fmt in ("jsonl", "parquet"):
        target = OutputSpec(str(tmp_path / fmt), fmt)
        prepare_directory(target)
        assert write_part(target, "part-00001", [*records[2:], tagged]) == f"part-00001.{fmt}"
        write_part(target, "part-00000", records[:2])
        with pytest.raises(SpstoriesError, match=r"no finished run"):
            list(read_parts(target.directory))
        write_manifest(target, {"parts": 2})
        assert list(read_parts(target.directory)) == [*records, tagged]
        assert not list((tmp_path / fmt).glob(".*tmp"))
        with pytest.raises(SpstoriesError, match=r"already holds tagged parts.*--overwrite"):
            prepare_directory(target)
        (tmp_path / fmt / "notes.md").write_text("kept")
        prepare_directory(target, overwrite=True)
        assert sorted(p.name for p in (tmp_path / fmt).iterdir()) == ["notes.md"]
    assert (tmp_path / "jsonl" / "notes.md").read_text() == "kept"
    assert not (tmp_path / "jsonl" / MANIFEST).exists()
