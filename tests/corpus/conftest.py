"""Real texts written as awkward JSONL, CSV and Parquet inputs, shared by the corpus tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.real_texts import real_text_rows


@pytest.fixture(scope="session")
def real_texts() -> list[dict]:
    return real_text_rows()


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory, real_texts: list[dict]) -> dict[str, Path]:
    """The same texts as JSONL (BOM, CRLF and blank lines, some ids missing), CSV (quoted
    line breaks, blank rows, no id column) and Parquet (several row groups)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("corpus")
    jsonl = folder / "stories.jsonl"
    with jsonl.open("w", encoding="utf-8", newline="") as f:
        f.write("\ufeff")
        for i, row in enumerate(real_texts):
            record = {"text": row["text"]} if i % 5 == 0 else row
            f.write(json.dumps(record, ensure_ascii=i % 2 == 0) + ("\r\n" if i % 3 else "\n"))
            if i % 40 == 0:
                f.write("\n")
    table = folder / "stories.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["received", "text"])
        for i, row in enumerate(real_texts):
            text = row["text"].replace(". ", ".\r\n", 1) if i % 7 == 0 else row["text"]
            writer.writerow([f"2026-01-{1 + i % 28:02d}", text])
            if i % 50 == 0:
                f.write("\r\n")
    parquet = folder / "stories.parquet"
    pq.write_table(
        pa.table({"id": [r["id"] for r in real_texts], "text": [r["text"] for r in real_texts]}),
        parquet,
        row_group_size=64,
    )
    return {"jsonl": jsonl, "csv": table, "parquet": parquet}
