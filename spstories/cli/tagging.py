"""``spstories tag``, ``spstories evaluate`` and ``spstories codebook validate|show``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TextIO, cast

import click
from tqdm import tqdm

from spstories.cli.corpus import corpus_options
from spstories.core.codebook import (
    codebook_to_markdown,
    find_codebook,
    load_codebook,
)
from spstories.core.corpus.records import tag_record
from spstories.core.embeddings import NONE
from spstories.core.embeddings import backends as embedding_backends
from spstories.core.embeddings import resolve as resolve_embeddings
from spstories.core.embeddings import status as embedding_status
from spstories.core.evaluation import check_examples, format_report, pairs_from_tags
from spstories.core.evaluation import evaluate as score
from spstories.core.io import Format, Split, read_gold, read_texts
from spstories.core.learning.crossval import format_reports, summary
from spstories.core.learning.data import read_labelled, text_hash
from spstories.core.learning.tagger import default_tagger  # also registers model, hybrid
from spstories.core.learning.training import cross_validated, prepare
from spstories.core.ranking import rank
from spstories.core.tagging import DEFAULT_MIN_SCORE, Tagger, build_tagger, tagger_kinds
from spstories.errors import SpstoriesError

CODEBOOK_HELP = "A shipped codebook id (e.g. sp-outcomes) or a path to a codebook YAML file."


AUTO = "auto"


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Expected failures become one line on stderr and exit status 1, never a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SpstoriesError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename}") from exc

    return run


def _tagger(codebook_ref: str, kind: str, min_score: float | None) -> Tagger:
    codebook = load_codebook(find_codebook(codebook_ref))
    options = {} if min_score is None else {"min_score": min_score}
    if kind != AUTO:
        return build_tagger(codebook, kind=kind, **options)
    tagger, why = default_tagger(codebook, **options)
    if why:
        click.echo(why, err=True)
    return tagger  # type: ignore[return-value]


@contextmanager
def _output(path: str | None) -> Iterator[TextIO | None]:
    """The file to write, or None for stdout (``click.echo`` writes there)."""
    if path is None or path == "-":
        yield None
        return
    with open(path, "w", encoding="utf-8") as f:
        yield f


tagger_option = click.option(
    "--tagger",
    "kind",
    type=click.Choice([AUTO, *tagger_kinds()]),
    default=AUTO,
    show_default=True,
    help="Which tagger: auto (the codebook's newest trained model, as shipped in models/, "
    "else the rules, saying so); rules (codebook patterns and the polarity reader); model (the "
    "newest model trained with 'spstories train'); hybrid (rules plus the model's tags).",
)
embeddings_option = click.option(
    "--embeddings",
    type=click.Choice(["auto", NONE, *embedding_backends()]),
    default="auto",
    show_default=True,
    help="Sentence embeddings as extra model features (and zero-shot similarity to code "
    "descriptions): auto uses them when the embeddings extra is installed.",
)
min_score_option = click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=None,
    help=f"Drop tags scoring below this (default {DEFAULT_MIN_SCORE}).",
)


@click.command("tag")
@click.option("--codebook", "codebook_ref", required=True, help=CODEBOOK_HELP)
@tagger_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet", "text"]),
    default=None,
    help="Input format (default: from the file name; .jsonl, .csv/.tsv, .parquet, else text).",
)
@click.option("--text-column", default="text", show_default=True, help="CSV column to tag.")
@click.option(
    "--id-column",
    default=None,
    help="CSV column with ids (default: 'id' if present, else the row number).",
)
@click.option(
    "--split",
    type=click.Choice(["paragraphs", "lines", "none"]),
    default="paragraphs",
    show_default=True,
    help="Plain text: one document per paragraph, per line, or the whole file.",
)
@min_score_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write JSONL here instead of stdout.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: when stderr is a terminal).",
)
@corpus_options
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False))
@friendly
def tag(
    codebook_ref: str,
    kind: str,
    fmt: str | None,
    text_column: str,
    id_column: str | None,
    split: str,
    min_score: float | None,
    output: str | None,
    progress: bool | None,
    input_path: str,
) -> None:
    """Tag every text of INPUT (JSONL of {"id", "text"}, CSV, Parquet, or plain text) and
    write one JSON line per text: {"id", "codebook", "codebook_version", "tags": [...]},
    tags best first. Single-label codebooks (sp-data-practice) add "ranking": every
    subtheme with its score, best first. --engine dask tags a large input in partitions
    on a Dask cluster, with the same results."""
    texts = read_texts(
        input_path,
        cast(Format | None, fmt),
        text_column=text_column,
        id_column=id_column,
        split=cast(Split, split),
    )
    tagger = _tagger(codebook_ref, kind, min_score)
    bar = tqdm(
        total=len(texts),
        unit="text",
        file=sys.stderr,
        disable=None if progress is None else not progress,
    )
    with _output(output) as out, bar:
        for item, tags in zip(texts, tagger.tag_many(t.text for t in texts), strict=True):
            record = tag_record(item.id, tagger, tags, item.text)
            click.echo(json.dumps(record, ensure_ascii=False), file=out)
            bar.update()


@click.command("evaluate")
@click.option("--codebook", "codebook_ref", required=True, help=CODEBOOK_HELP)
@click.option(
    "--gold",
    "gold_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help='JSONL of {"id", "text", "gold": [{"code", "polarity"}, ...]}.',
)
@tagger_option
@min_score_option
@click.option(
    "--cv",
    "folds",
    type=click.IntRange(2, 20),
    default=None,
    help="Cross-validate instead: train a model on all but one fold of the gold texts "
    "(plus the codebook's examples), score the held-out fold, and report baseline, rules, "
    "model and hybrid. Nothing is written; --tagger is not used.",
)
@embeddings_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@friendly
def evaluate_command(
    codebook_ref: str,
    gold_path: str,
    kind: str,
    min_score: float | None,
    folds: int | None,
    embeddings: str,
    as_json: bool,
) -> None:
    """Score the tagger against gold codes: precision, recall and F1 per code, and micro
    and macro averages over (code, polarity) pairs and over codes alone, per text as the
    codebook spec defines. Single-label codebooks report top-1 accuracy instead. With
    --cv, cross-validated figures of the learned tagger beside the rules."""
    if folds is not None:
        _cross_validate(codebook_ref, gold_path, folds, embeddings, min_score, as_json)
        return
    tagger = _tagger(codebook_ref, kind, min_score)
    codebook = tagger.codebook
    gold_texts = read_gold(gold_path, codes=[c.id for c in codebook.codes])
    _warn_if_trained_on(tagger, gold_texts)
    if codebook.assignment == "single":
        _accuracy(tagger, gold_texts, as_json)
        return
    gold = {g.id: {(codebook.rollup(c), p) for c, p in g.pairs} for g in gold_texts}
    predicted = {
        g.id: pairs_from_tags(tags, codebook.rollup)
        for g, tags in zip(gold_texts, tagger.tag_many(g.text for g in gold_texts), strict=True)
    }
    report = score(predicted, gold)
    if not as_json:
        click.echo(format_report(report))
        return
    averages = {
        name: vars_of(getattr(report, name))
        for name in ("micro_pairs", "macro_pairs", "micro_codes", "macro_codes")
    }
    per_code = {
        code: {"precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support}
        for code, s in sorted(report.codes.items())
    }
    click.echo(json.dumps({"texts": report.n_texts, **averages, "codes": per_code}, indent=2))


evaluate = evaluate_command


def _warn_if_trained_on(tagger: Tagger, gold_texts: list[Any]) -> None:
    seen = getattr(tagger, "training_texts", frozenset())
    overlap = sum(text_hash(g.text) in seen for g in gold_texts)
    if overlap:
        click.echo(
            f"Warning: {overlap} of {len(gold_texts)} gold texts were in the training data of "
            f"model {tagger.model_name}, so these figures flatter it; use --cv for a fair "
            "test.",
            err=True,
        )


def _cross_validate(
    codebook_ref: str,
    gold_path: str,
    folds: int,
    embeddings: str,
    min_score: float | None,
    as_json: bool,
) -> None:
    codebook = load_codebook(find_codebook(codebook_ref))
    if codebook.assignment == "single":
        raise SpstoriesError("--cv scores multi-label codebooks; this one is single-label")
    backend = resolve_embeddings(embeddings)
    click.echo(embedding_status(backend)["message"], err=True)
    options = {} if min_score is None else {"min_score": min_score}
    with tqdm(total=folds, desc="Cross-validating", unit="fold", disable=None) as bar:
        data = prepare(
            codebook,
            read_labelled(gold_path, codebook),
            build_tagger(codebook, **options),
            embeddings=backend,
        )
        cv = cross_validated(data, folds=folds, progress=lambda done, total: bar.update())
    if as_json:
        click.echo(json.dumps({"folds": cv.folds, "texts": cv.n_texts, **summary(cv)}, indent=2))
        return
    click.echo(f"{cv.n_texts} texts, {cv.folds} folds by text; over (code, polarity) pairs:")
    click.echo(format_reports(cv.reports))


def vars_of(average: Any) -> dict[str, float]:
    return {"precision": average.precision, "recall": average.recall, "f1": average.f1}


def _accuracy(tagger: Tagger, gold_texts: list[Any], as_json: bool) -> None:
    codebook = tagger.codebook
    total = sub_hits = theme_hits = 0
    for g in gold_texts:
        wanted = [c for c, _ in g.pairs]
        if not wanted:
            continue
        top = rank(tagger, g.text)[0][0]
        total += 1
        sub_hits += top in wanted
        theme_hits += codebook.rollup(top) in {codebook.rollup(c) for c in wanted}
    if total == 0:
        raise SpstoriesError("the gold file has no coded passages")
    figures = {
        "passages": total,
        "top1_subtheme_accuracy": sub_hits / total,
        "top1_theme_accuracy": theme_hits / total,
    }
    if as_json:
        click.echo(json.dumps(figures, indent=2))
    else:
        click.echo(
            f"{total} passages\ntop-1 subtheme accuracy {sub_hits / total:.2f}\n"
            f"top-1 theme accuracy    {theme_hits / total:.2f}"
        )


@click.group("codebook")
def codebook() -> None:
    """Check and read codebook files."""


@codebook.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--examples",
    "run_examples",
    is_flag=True,
    help="Also run every example through the tagger and report failures.",
)
@friendly
def validate(file: str, run_examples: bool) -> None:
    """Check a codebook FILE (or shipped id); errors name the file, the code and the field."""
    cb = load_codebook(find_codebook(file))
    patterns = sum(len(c.patterns) for c in cb.codes)
    examples = sum(len(c.examples) for c in cb.codes)
    click.echo(
        f"OK {Path(cb.source_path or file).name}: {cb.id} version {cb.version}, "
        f"{len(cb.codes)} codes ({len(cb.roots())} top-level), {patterns} patterns, "
        f"{examples} examples"
    )
    if run_examples:
        failed = [r for r in check_examples(cb) if not r.passed]
        for r in failed:
            want = "not " if r.example.expect == "negative" else ""
            pol = f" {r.example.polarity}" if r.example.polarity else ""
            click.echo(
                f"FAIL {r.code}: expected {want}{r.code}{pol} for "
                f"{r.example.text!r}; got {', '.join(r.found) or 'nothing'}",
                err=True,
            )
        if failed:
            raise click.ClickException(f"{len(failed)} of {examples} examples failed")
        click.echo(f"all {examples} examples pass")


@codebook.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@friendly
def show(file: str) -> None:
    """Print a codebook FILE (or shipped id) as a readable Markdown document."""
    click.echo(codebook_to_markdown(load_codebook(find_codebook(file))), nl=False)
