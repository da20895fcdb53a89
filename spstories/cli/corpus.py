"""``spstories tag --engine dask``: a corpus tagged in partitions, on a Dask cluster or in
this process, into partitioned files or onto standard output.

``corpus_options`` adds the options to ``spstories tag`` and takes over the command when
they ask for the partitioned path; otherwise the single-process path runs as before.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TextIO

import click
from tqdm import tqdm

from spstories.core.corpus.engines import DEFAULT_WORKERS, ENGINES, in_order, make_engine
from spstories.core.corpus.output import OutputSpec, prepare_directory, write_manifest
from spstories.core.corpus.reading import DEFAULT_PARTITION_BYTES, Columns, plan
from spstories.core.corpus.records import PartitionResult, TaggerSpec, tag_partition
from spstories.errors import SpstoriesError

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)b?", re.IGNORECASE)
_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class ByteSize(click.ParamType):
    """A size such as 8MB, 512KB or 1000000 (bytes)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> int:
        if isinstance(value, int):
            return value
        match = _SIZE.fullmatch(str(value).strip())
        size = int(float(match[1]) * _FACTORS[match[2].lower()]) if match else 0
        if size < 1:
            self.fail(f"{value!r} is not a size such as 8MB, 512KB or 1000000", param, ctx)
        return size


CORPUS_OPTIONS = ("engine", "scheduler", "workers", "partition_size", "output_dir",
                  "output_format", "overwrite")


def corpus_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the partitioned path's options to ``spstories tag`` and run that path when
    ``--engine dask`` or ``--output-dir`` asks for it."""

    @wraps(command)
    def run(**kwargs: Any) -> Any:
        corpus = {name: kwargs.pop(name) for name in CORPUS_OPTIONS}
        if corpus["engine"] == "single" and corpus["output_dir"] is None:
            if corpus["scheduler"]:
                raise click.UsageError("--scheduler needs --engine dask")
            return command(**kwargs)
        try:
            return tag_corpus(kwargs | corpus)
        except SpstoriesError as exc:
            raise click.ClickException(str(exc)) from exc

    options = [
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="single",
            show_default=True,
            help="single: this process. dask: partitions of JSONL, CSV or Parquet input "
            "tagged on a Dask cluster (a local one unless --scheduler is given).",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            envvar="SPSTORIES_SCHEDULER",
            default=None,
            help="Dask scheduler to use, e.g. tcp://10.0.0.5:8786 (env SPSTORIES_SCHEDULER); "
            "every worker needs spstories installed and must see INPUT and --output-dir.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(1, 256),
            default=DEFAULT_WORKERS,
            show_default=True,
            help="Worker processes of the local cluster (when no --scheduler).",
        ),
        click.option(
            "--partition-size",
            type=ByteSize(),
            default=DEFAULT_PARTITION_BYTES,
            show_default="8MB",
            help="About how much of INPUT each partition holds (Parquet: row groups are "
            "split to about this much).",
        ),
        click.option(
            "--output-dir",
            type=click.Path(file_okay=False),
            default=None,
            help="Write part-00000.jsonl, part-00001.jsonl... (one per partition, in input "
            "order) and _manifest.json here, from the workers, instead of one stream.",
        ),
        click.option(
            "--output-format",
            type=click.Choice(["jsonl", "parquet"]),
            default="jsonl",
            show_default=True,
            help="Format of the parts in --output-dir.",
        ),
        click.option(
            "--overwrite",
            is_flag=True,
            help="Replace an earlier run's parts in --output-dir.",
        ),
    ]
    for option in reversed(options):
        run = option(run)
    return run


@contextmanager
def _stream(path: str | None) -> Iterator[TextIO]:
    if path is None or path == "-":
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8") as f:
        yield f


def tag_corpus(args: Mapping[str, Any]) -> None:
    """``spstories tag`` on the partitioned path; ``args`` are the command's parameters
    (its own and ``corpus_options``')."""
    # Plan the partitions, tag them on the engine, write parts (or one stream).
    output, output_dir, output_format = args["output"], args["output_dir"], args["output_format"]
    input_path, min_score, progress = args["input_path"], args["min_score"], args["progress"]
    if output_dir is not None and output not in (None, "-"):
        raise SpstoriesError("give --output or --output-dir, not both")
    if output_dir is None and (output_format != "jsonl" or args["overwrite"]):
        raise SpstoriesError("--output-format and --overwrite go with --output-dir")
    options = {} if min_score is None else {"min_score": min_score}
    kind = args["kind"]
    if kind == "auto":  # the shipped or newest model's kind, else the rules, as in-process
        from spstories.core.codebook import find_codebook, load_codebook
        from spstories.core.learning.tagger import auto_kind

        kind = auto_kind(load_codebook(find_codebook(args["codebook_ref"])))
    spec = TaggerSpec.from_codebook_file(args["codebook_ref"], kind, **options)
    codebook = spec.codebook()
    columns = Columns(args["text_column"], args["id_column"])
    started, clock = datetime.now(UTC), time.perf_counter()
    partitions = plan(input_path, args["fmt"], columns=columns,
                      partition_bytes=args["partition_size"])
    target = None
    if output_dir is not None:
        target = OutputSpec(str(output_dir), output_format)  # type: ignore[arg-type]
        prepare_directory(target, overwrite=args["overwrite"])
    starting = time.perf_counter()
    runner = make_engine(args["engine"], args["scheduler"], workers=args["workers"])
    ready = time.perf_counter()
    try:
        where = runner.describe()
        click.echo(f"Tagging {Path(input_path).name} in {len(partitions)} partitions, "
                   f"{where}.", err=True)
        bar = tqdm(total=len(partitions), unit="partition", file=sys.stderr,
                   disable=None if progress is None else not progress)
        results: list[PartitionResult] = []

        def arriving() -> Iterator[tuple[int, PartitionResult]]:
            for index, result in runner.run(tag_partition, partitions, spec, columns, target):
                results.append(result)
                bar.set_postfix(texts=f"{sum(r.texts for r in results):,}", refresh=False)
                bar.update()
                yield index, result

        with bar:
            if target is None:
                with _stream(output) as out:
                    for result in in_order(arriving()):
                        out.writelines(json.dumps(r, ensure_ascii=False) + "\n"
                                       for r in result.records or ())
            else:
                for _ in arriving():
                    pass
    finally:
        runner.close()
    finished = time.perf_counter()
    seconds, tagging = finished - clock, finished - ready
    results.sort(key=lambda r: r.index)
    texts, tags = sum(r.texts for r in results), sum(r.tags for r in results)
    if target is not None:
        write_manifest(target, {
            "input": str(Path(input_path).resolve()),
            "codebook": codebook.id,
            "codebook_version": codebook.version,
            "tagger": spec.kind,
            "engine": where,
            "started": started.isoformat(timespec="seconds"),
            "seconds": round(seconds, 2),
            "engine_start_seconds": round(ready - starting, 2),
            "texts": texts,
            "tags": tags,
            "parts": [{"file": r.file, "first_row": r.first, "texts": r.texts, "tags": r.tags}
                      for r in results],
        })
    click.echo(f"Tagged {texts:,} texts ({tags:,} tags) in {seconds:.1f} s (starting the "
               f"engine {ready - starting:.1f} s), {texts / max(tagging, 1e-9):,.0f} texts/s once "
               "started" + (f"; parts in {output_dir}" if output_dir else "") + ".", err=True)
