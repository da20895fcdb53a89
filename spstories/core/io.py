"""Reading texts to tag (JSONL, CSV, plain text) and gold files to score against.

Every problem is raised as an ``ImportRowError`` naming the line or row, or as a
``SpstoriesError`` about the whole file, so the CLI can print one line.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from spstories.errors import ImportRowError, SpstoriesError

Format = Literal["jsonl", "csv", "parquet", "text"]
Split = Literal["paragraphs", "lines", "none"]
_SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_BLANK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True, slots=True)
class InputText:
    id: str
    text: str


def detect_format(path: str | Path) -> Format:
    """From the file name: .jsonl/.ndjson/.json, .csv/.tsv, .parquet/.pq, anything else
    plain text."""
    return _SUFFIXES.get(Path(str(path)).suffix.lower(), "text")


def read_jsonl(
    lines: Iterable[str], *, id_key: str = "id", text_key: str = "text", start: int = 1
) -> Iterator[InputText]:
    """One JSON object per line with a text; a missing id becomes the line number
    (``start`` is the number of the first line)."""
    for number, line in enumerate(lines, start=start):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportRowError(f"not valid JSON ({exc.msg})", row=number) from exc
        if not isinstance(record, dict):
            raise ImportRowError("each line must be a JSON object", row=number)
        text = record.get(text_key)
        if not isinstance(text, str):
            raise ImportRowError(
                f"needs a text string under {text_key!r}", row=number, column=text_key
            )
        yield InputText(str(record.get(id_key, number)), text)


def read_csv(
    lines: Iterable[str],
    *,
    text_column: str = "text",
    id_column: str | None = None,
    delimiter: str = ",",
    fieldnames: Sequence[str] | None = None,
    start: int = 2,
) -> Iterator[InputText]:
    """Rows of a CSV with a header; ids from ``id_column`` (default: "id" if present,
    else the row number, counting the header as row 1, blank rows not counted).

    A part of a file read on its own passes the header as ``fieldnames`` and the number
    of its first row as ``start``."""
    reader = csv.DictReader(lines, fieldnames=fieldnames, delimiter=delimiter)
    columns = reader.fieldnames or []
    if text_column not in columns:
        raise SpstoriesError(
            f"no column {text_column!r} (columns: {', '.join(columns)}); "
            "choose one with --text-column"
        )
    if id_column is not None and id_column not in columns:
        raise SpstoriesError(
            f"no column {id_column!r} (columns: {', '.join(columns)}); choose one with --id-column"
        )
    if id_column is None and "id" in columns:
        id_column = "id"
    for number, row in enumerate(reader, start=start):
        text = row.get(text_column)
        if text is None:
            raise ImportRowError("row is shorter than the header", row=number, column=text_column)
        yield InputText(str(row[id_column]) if id_column else str(number), text)


def read_plain(
    text: str, *, name: str = "text", split: Split = "paragraphs"
) -> Iterator[InputText]:
    """Plain text as one document ("none"), one per line, or one per paragraph (blank
    lines between). Ids are ``name:line`` where the document starts."""
    if split == "none":
        if text.strip():
            yield InputText(name, text)
        return
    pattern = re.compile(r"\n") if split == "lines" else _BLANK
    start = 0
    for part in [*pattern.finditer(text), None]:
        end = part.start() if part else len(text)
        chunk = text[start:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip("\n"))
            line = text.count("\n", 0, start + lead) + 1
            yield InputText(f"{name}:{line}", chunk.strip("\n"))
        if part is not None:
            start = part.end()


def read_texts(
    path: str | Path,
    fmt: Format | None = None,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    split: Split = "paragraphs",
) -> list[InputText]:
    """All texts of a file, its format detected from the name unless given."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt == "parquet":
        # The corpus reader owns Parquet (row groups, pyarrow loaded only here).
        from spstories.core.corpus.reading import read_whole

        return read_whole(path, fmt, text_column=text_column, id_column=id_column)
    try:
        with path.open(encoding="utf-8-sig", newline="" if fmt == "csv" else None) as f:
            if fmt == "jsonl":
                return list(read_jsonl(f))
            if fmt == "csv":
                delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
                return list(
                    read_csv(f, text_column=text_column, id_column=id_column, delimiter=delimiter)
                )
            return list(read_plain(f.read(), name=path.stem, split=split))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpstoriesError(f"cannot read {path}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class GoldText:
    id: str
    text: str
    pairs: frozenset[tuple[str, str | None]]
    # (start, end, code, polarity) of each entry's "evidence", where the file gives one
    evidence: tuple[tuple[int, int, str, str | None], ...] = ()


def read_gold(path: str | Path, codes: Iterable[str] | None = None) -> list[GoldText]:
    """A gold file: JSONL of ``{"id", "text", "gold": [{"code", "polarity"}, ...]}``; an
    entry's optional ``"evidence"`` must be an exact part of the text. With ``codes``, a
    gold code outside them is an error naming the line."""
    known = set(codes) if codes is not None else None
    found = []
    try:
        with Path(path).open(encoding="utf-8-sig") as f:
            lines = list(f)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpstoriesError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        (item,) = read_jsonl([line], start=number)
        gold = json.loads(line).get("gold")
        if not isinstance(gold, list):
            raise ImportRowError("needs a 'gold' list", row=number, column="gold")
        pairs = set()
        spans: list[tuple[int, int, str, str | None]] = []
        for entry in gold:
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                raise ImportRowError("gold entries need a code", row=number, column="gold")
            if known is not None and entry["code"] not in known:
                raise ImportRowError(
                    f"code {entry['code']!r} is not in the codebook", row=number, column="gold"
                )
            pairs.add((entry["code"], entry.get("polarity")))
            quote = entry.get("evidence")
            if quote is not None:
                start = item.text.find(quote) if isinstance(quote, str) and quote else -1
                if start < 0:
                    raise ImportRowError(
                        f"evidence {str(quote)[:60]!r} of code {entry['code']!r} is not a part "
                        "of the text",
                        row=number,
                        column="gold",
                    )
                spans.append((start, start + len(quote), entry["code"], entry.get("polarity")))
        found.append(GoldText(item.id, item.text, frozenset(pairs), tuple(spans)))
    ids = [g.id for g in found]
    if len(set(ids)) != len(ids):
        raise SpstoriesError(f"{path}: ids must be unique")
    return found
