"""Reading a large input in partitions: JSONL and CSV by byte ranges that end on a record
boundary, Parquet by row groups (or slices of large ones).

``plan`` scans the file once, in constant memory, to find where each partition starts and
the number of its first line or row, so the ids that default to a line or row number and
the row numbers in errors are exactly those of ``spstories.core.io`` reading the whole
file. ``read_partition`` then reads one partition on its own, on any machine that sees
the file, so no process ever holds the whole input.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from spstories.core.io import InputText, detect_format, read_csv, read_jsonl
from spstories.errors import ImportRowError, ModelUnavailable, SpstoriesError

CorpusFormat = Literal["jsonl", "csv", "parquet"]
# About 100,000 short comments: a few seconds of tagging, so progress moves and a slow
# machine does not hold up the end of a run for long.
DEFAULT_PARTITION_BYTES = 8 * 1024 * 1024
_BLOCK = 1 << 20
_BOM = b"\xef\xbb\xbf"


class CorpusError(SpstoriesError):
    """An input cannot be read; names the file and, where known, the partition and row."""


@dataclass(frozen=True, slots=True)
class Columns:
    """Which columns (CSV, Parquet) or keys (JSONL) hold the text and the id."""

    text: str = "text"
    id: str | None = None


DEFAULT_COLUMNS = Columns()


@dataclass(frozen=True, slots=True)
class Partition:
    """One part of an input, readable on its own.

    JSONL and CSV: bytes ``start`` to ``end``. Parquet: rows ``start`` to ``end`` of row
    group ``row_group``. ``first`` is the number of the partition's first line (JSONL),
    row (CSV, the header being row 1, blank rows not counted) or row (Parquet, from 1).
    """

    path: str
    fmt: CorpusFormat
    index: int
    start: int
    end: int
    first: int
    row_group: int = 0
    header: tuple[str, ...] = ()
    delimiter: str = ","

    @property
    def name(self) -> str:
        """The partition's output file name, without suffix: part-00000, part-00001..."""
        return f"part-{self.index:05d}"


def corpus_format(path: str | Path, fmt: str | None = None) -> CorpusFormat:
    """The format of a partitioned input; plain text is refused (it is read whole)."""
    found = fmt or detect_format(path)
    if found not in ("jsonl", "csv", "parquet"):
        raise CorpusError(
            f"{path}: partitioned tagging reads JSONL, CSV or Parquet, not {found}; "
            "use --engine single for plain text, or give --format"
        )
    return found  # type: ignore[return-value]


def plan(
    path: str | Path,
    fmt: str | None = None,
    *,
    columns: Columns = DEFAULT_COLUMNS,
    partition_bytes: int = DEFAULT_PARTITION_BYTES,
) -> list[Partition]:
    """The partitions of ``path``, in file order (at least one, perhaps empty).

    Checks the columns first, so a wrong ``--text-column`` fails before any work starts.
    """
    kind = corpus_format(path, fmt)
    name = str(path)
    target = max(1, partition_bytes)
    try:
        if kind == "parquet":
            return _plan_parquet(name, columns, target)
        with open(name, "rb") as f:
            if kind == "jsonl":
                return _plan_jsonl(name, f, target)
            return _plan_csv(name, f, columns, target)
    except OSError as exc:
        raise CorpusError(f"cannot read {name}: {exc.strerror or exc}") from exc


def read_partition(partition: Partition, columns: Columns = DEFAULT_COLUMNS) -> list[InputText]:
    """The texts of one partition, in file order."""
    try:
        if partition.fmt == "parquet":
            return _read_parquet(partition, columns)
        with open(partition.path, "rb") as f:
            lines = _decoded(partition, _lines(f, partition.start, partition.end))
            if partition.fmt == "jsonl":
                return list(
                    read_jsonl(lines, id_key=columns.id or "id", text_key=columns.text,
                               start=partition.first)
                )
            return list(
                read_csv(
                    lines,
                    text_column=columns.text,
                    id_column=columns.id,
                    delimiter=partition.delimiter,
                    fieldnames=partition.header,
                    start=partition.first,
                )
            )
    except ImportRowError as exc:
        raise CorpusError(f"{partition.path}, partition {partition.index}: {exc}") from exc
    except csv.Error as exc:
        raise CorpusError(
            f"{partition.path}, partition {partition.index}: not valid CSV ({exc})"
        ) from exc
    except OSError as exc:
        raise CorpusError(f"cannot read {partition.path}: {exc.strerror or exc}") from exc


def read_whole(
    path: str | Path, fmt: str | None = None, *, text_column: str = "text",
    id_column: str | None = None,
) -> list[InputText]:
    """Every text of a partitioned input, read partition by partition."""
    columns = Columns(text_column, id_column)
    return [
        item
        for partition in plan(path, fmt, columns=columns)
        for item in read_partition(partition, columns)
    ]


# -- JSONL and CSV: byte ranges ---------------------------------------------------------


def _lines(f: BinaryIO, start: int, end: int | None) -> Iterator[tuple[bytes, int]]:
    """The lines of bytes ``start`` to ``end``, each with the offset just after it, split
    where Python's text mode splits them (\\n, \\r\\n and \\r)."""
    f.seek(start)
    offset, carry = start, b""
    remaining = None if end is None else end - start
    while remaining is None or remaining > 0:
        block = f.read(_BLOCK if remaining is None else min(_BLOCK, remaining))
        if not block:
            break
        if remaining is not None:
            remaining -= len(block)
        lines = (carry + block).splitlines(keepends=True)
        # The last line may go on in the next block, or be a \r whose \n comes next.
        carry = lines.pop() if not lines[-1].endswith(b"\n") else b""
        for line in lines:
            offset += len(line)
            yield line, offset
    if carry:
        yield carry, offset + len(carry)


def _decoded(partition: Partition, lines: Iterator[tuple[bytes, int]]) -> Iterator[str]:
    for line, offset in lines:
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(
                f"{partition.path}, partition {partition.index}: not UTF-8 text in the line "
                f"ending at byte {offset}"
            ) from exc


def _skip_bom(f: BinaryIO) -> int:
    return len(_BOM) if f.read(len(_BOM)) == _BOM else 0


def _plan_jsonl(path: str, f: BinaryIO, target: int) -> list[Partition]:
    start = _skip_bom(f)
    parts: list[Partition] = []
    part_start, first, offset = start, 1, start
    for number, (_line, offset) in enumerate(_lines(f, start, None), start=1):
        if offset - part_start >= target:
            parts.append(Partition(path, "jsonl", len(parts), part_start, offset, first))
            part_start, first = offset, number + 1
    if offset > part_start or not parts:
        parts.append(Partition(path, "jsonl", len(parts), part_start, offset, first))
    return parts


class _Feed:
    """Lines for ``csv.reader`` that remember where the last one handed over ended."""

    def __init__(self, path: str, lines: Iterator[tuple[bytes, int]], offset: int) -> None:
        self.path, self.lines, self.offset = path, lines, offset

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        line, self.offset = next(self.lines)
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(
                f"{self.path}: not UTF-8 text in the line ending at byte {self.offset}"
            ) from exc


def _plan_csv(path: str, f: BinaryIO, columns: Columns, target: int) -> list[Partition]:
    delimiter = "\t" if Path(path).suffix.lower() == ".tsv" else ","
    feed = _Feed(path, _lines(f, _skip_bom(f), None), 0)
    reader = csv.reader(feed, delimiter=delimiter)
    number = 1
    try:
        header = tuple(next(reader, []))
        _check_csv_columns(path, header, columns)
        parts: list[Partition] = []

        def cut(end: int) -> None:
            parts.append(
                Partition(path, "csv", len(parts), part_start, end, first, header=header,
                          delimiter=delimiter)
            )

        part_start, first, number = feed.offset, 2, 1
        for row in reader:
            if not row:  # csv.DictReader skips blank rows without counting them
                continue
            number += 1
            if feed.offset - part_start >= target:
                cut(feed.offset)
                part_start, first = feed.offset, number + 1
    except csv.Error as exc:
        raise CorpusError(f"{path}, row {number + 1}: not valid CSV ({exc})") from exc
    if feed.offset > part_start or not parts:
        cut(feed.offset)
    return parts


def _check_csv_columns(path: str, header: tuple[str, ...], columns: Columns) -> None:
    """The single path's column rules and messages (``io.read_csv``), naming the file."""
    try:
        list(read_csv([], text_column=columns.text, id_column=columns.id, fieldnames=header))
    except SpstoriesError as exc:
        raise CorpusError(f"{path}: {exc}") from exc


# -- Parquet: row groups ----------------------------------------------------------------


def _parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ModelUnavailable(
            "reading Parquet needs pyarrow: pip install 'spstories[corpus]'"
        ) from exc
    return pq


def _parquet_file(path: str) -> Any:
    pq = _parquet()
    try:
        return pq.ParquetFile(path)
    except OSError:
        raise
    except Exception as exc:  # pyarrow's errors for a file that is not Parquet
        raise CorpusError(f"{path} cannot be read as Parquet: {exc}") from exc


def _id_column(names: list[str], columns: Columns) -> str | None:
    if columns.id is not None:
        return columns.id
    return "id" if "id" in names else None


def _plan_parquet(path: str, columns: Columns, target: int) -> list[Partition]:
    import pyarrow as pa

    file = _parquet_file(path)
    schema = file.schema_arrow
    names = list(schema.names)
    for wanted, option in ((columns.text, "--text-column"), (columns.id, "--id-column")):
        if wanted is not None and wanted not in names:
            raise CorpusError(
                f"{path}: no column {wanted!r} (columns: {', '.join(names)}); "
                f"choose one with {option}"
            )
    kind = schema.field(columns.text).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)
            or pa.types.is_string_view(kind)):
        raise CorpusError(f"{path}: column {columns.text!r} holds {kind}, not text")
    meta = file.metadata
    parts: list[Partition] = []
    before = 0
    for group in range(meta.num_row_groups):
        rows = meta.row_group(group).num_rows
        pieces = max(1, math.ceil(meta.row_group(group).total_byte_size / target))
        step = max(1, math.ceil(rows / pieces))
        for start in range(0, rows, step):
            end = min(rows, start + step)
            parts.append(
                Partition(path, "parquet", len(parts), start, end, before + start + 1,
                          row_group=group)
            )
        before += rows
    if not parts:
        parts.append(Partition(path, "parquet", 0, 0, 0, 1))
    return parts


def _read_parquet(partition: Partition, columns: Columns) -> list[InputText]:
    if partition.end <= partition.start:
        return []
    file = _parquet_file(partition.path)
    id_column = _id_column(list(file.schema_arrow.names), columns)
    wanted = [columns.text] + ([id_column] if id_column and id_column != columns.text else [])
    table = file.read_row_group(partition.row_group, columns=wanted).slice(
        partition.start, partition.end - partition.start
    )
    texts = table.column(columns.text).to_pylist()
    ids = table.column(id_column).to_pylist() if id_column else None
    found = []
    for i, text in enumerate(texts):
        number = partition.first + i
        if not isinstance(text, str):
            raise ImportRowError(
                f"needs a text string under {columns.text!r}", row=number, column=columns.text
            )
        if ids is None:
            found.append(InputText(str(number), text))
        elif ids[i] is None:
            raise ImportRowError("the id is missing", row=number, column=id_column)
        else:
            found.append(InputText(str(ids[i]), text))
    return found
