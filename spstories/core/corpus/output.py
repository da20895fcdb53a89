"""Partitioned output: one file per input partition, named in input order, and a manifest
written last.

``part-00000.jsonl``, ``part-00001.jsonl``... hold the records of partitions 0, 1...; read
in name order they are the lines ``spstories tag`` prints for the whole input. Each part
is written under a temporary name and renamed, so a part file is always whole; the
manifest (``_manifest.json``) exists only once every part has been written, so a reader
can tell a finished run from an interrupted one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from spstories.errors import SpstoriesError

OutputFormat = Literal["jsonl", "parquet"]
MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class OutputSpec:
    """Where the parts go (a directory every worker can write to) and in which format."""

    directory: str
    fmt: OutputFormat = "jsonl"


def _ours(path: Path) -> bool:
    name = path.name
    return name == MANIFEST or (
        name.startswith(("part-", ".part-")) and name.endswith((".jsonl", ".parquet", ".tmp"))
    )


def prepare_directory(output: OutputSpec, *, overwrite: bool = False) -> Path:
    """Create the output directory; refuse one that holds an earlier run's files unless
    ``overwrite``, which removes those files (and only those)."""
    directory = Path(output.directory)
    if directory.exists() and not directory.is_dir():
        raise SpstoriesError(f"{directory} is a file, not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    earlier = sorted(p for p in directory.iterdir() if _ours(p))
    if earlier and not overwrite:
        raise SpstoriesError(
            f"{directory} already holds tagged parts ({earlier[0].name}...); "
            "choose another directory or give --overwrite"
        )
    for path in earlier:
        path.unlink()
    return directory


def write_part(
    output: OutputSpec, name: str, records: list[dict[str, Any]], *, ranking: bool = False
) -> str:
    """Write one partition's records as ``<name>.<format>``; returns the file name."""
    directory = Path(output.directory)
    final = directory / f"{name}.{output.fmt}"
    temporary = directory / f".{name}.{output.fmt}.tmp"
    if output.fmt == "parquet":
        _write_parquet(temporary, records, ranking)
    else:
        with temporary.open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    os.replace(temporary, final)
    return final.name


def write_manifest(output: OutputSpec, manifest: dict[str, Any]) -> Path:
    path = Path(output.directory) / MANIFEST
    temporary = path.with_name(f".{MANIFEST}.tmp")
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)
    return path


def read_parts(directory: str | Path) -> Iterator[dict[str, Any]]:
    """Every record of a finished run, in input order."""
    directory = Path(directory)
    if not (directory / MANIFEST).exists():
        raise SpstoriesError(f"{directory} holds no finished run (no {MANIFEST})")
    for path in sorted(directory.glob("part-*")):
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            yield from pq.read_table(path).to_pylist()
        elif path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as f:
                yield from (json.loads(line) for line in f)


def _write_parquet(path: Path, records: list[dict[str, Any]], ranking: bool) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tag = pa.struct(
        [
            ("code", pa.string()),
            ("polarity", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("evidence", pa.string()),
            ("score", pa.float64()),
            ("source", pa.string()),
        ]
    )
    fields = [
        ("id", pa.string()),
        ("codebook", pa.string()),
        ("codebook_version", pa.string()),
        ("tags", pa.list_(tag)),
    ]
    if ranking:
        fields.append(("ranking", pa.list_(pa.struct([("code", pa.string()),
                                                       ("score", pa.float64())]))))
    # Stated, not inferred: a part whose texts have no tags keeps the same schema.
    table = pa.Table.from_pylist(records, schema=pa.schema(fields))
    pq.write_table(table, path)
