"""``spstories train``: fit the learned tagger of a codebook and write its model card."""

from __future__ import annotations

from pathlib import Path

import click

from spstories.cli.context import CliContext
from spstories.cli.tagging import CODEBOOK_HELP, embeddings_option
from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.embeddings import resolve as resolve_embeddings
from spstories.core.embeddings import status as embedding_status
from spstories.core.learning.crossval import format_reports
from spstories.core.learning.data import LabelledText, licences_of, read_labelled
from spstories.core.learning.training import train as train_model
from spstories.core.tagging import build_tagger
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.codebooks import stored_version
from spstories.services.training import models_root, reviewed_units


@click.command("train")
@click.option("--codebook", "codebook_ref", required=True, help=CODEBOOK_HELP)
@click.option(
    "--labelled",
    "labelled_paths",
    type=click.Path(exists=True, dir_okay=False),
    multiple=True,
    help='Labelled texts to train on (repeatable): JSONL of {"id", "text", "gold": '
    '[{"code", "polarity", "evidence"}, ...]}.',
)
@click.option(
    "--evaluate",
    "evaluate_paths",
    type=click.Path(exists=True, dir_okay=False),
    multiple=True,
    help="Held-out labelled texts (repeatable), never trained on: scored for the model "
    "card and for the per-code figures the app shows beside counts.",
)
@click.option(
    "--reviews/--no-reviews",
    default=True,
    show_default=True,
    help="Also train on tags people confirmed or rejected in the app's database.",
)
@click.option(
    "--folds",
    type=click.IntRange(2, 20),
    default=5,
    show_default=True,
    help="Cross-validation folds (by text) for the model card's figures.",
)
@click.option(
    "--models-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to write the model (default: models/, env SPSTORIES_MODELS_DIR).",
)
@embeddings_option
@click.pass_obj
def train_command(
    ctx: CliContext,
    codebook_ref: str,
    labelled_paths: tuple[str, ...],
    evaluate_paths: tuple[str, ...],
    reviews: bool,
    folds: int,
    models_dir: str | None,
    embeddings: str,
) -> None:
    """Train the learned tagger of a codebook from labelled texts, confirmed tags and the
    codebook's examples; write models/<codebook>-<version>-<date>/ with MODEL_CARD.md and
    print the cross-validated figures of baseline, rules, model and hybrid."""
    spec = load_codebook(find_codebook(codebook_ref))
    try:
        units: list[LabelledText] = [u for p in labelled_paths for u in read_labelled(p, spec)]
        held = [u for p in evaluate_paths for u in read_labelled(p, spec)]
    except (ValueError, SpstoriesError) as exc:
        raise click.ClickException(str(exc)) from exc
    overlap = {u.text for u in units} & {u.text for u in held}
    if overlap:
        raise click.ClickException(
            f"{len(overlap)} text(s) are both in --labelled and --evaluate: held-out texts "
            "must never be trained on"
        )
    stored = None
    if reviews:
        with ctx.session() as session:
            stored = stored_version(session, spec.id, spec.version)
            if stored is not None:
                units += reviewed_units(session, stored)
    root = Path(models_dir) if models_dir else models_root()

    def say(fraction: float, message: str) -> None:
        click.echo(f"[{fraction:4.0%}] {message}", err=True)

    try:
        backend = resolve_embeddings(embeddings)
        click.echo(embedding_status(backend)["message"], err=True)
        result = train_model(
            spec,
            units,
            build_tagger(spec),
            root,
            folds=folds,
            progress=say,
            embeddings=backend,
            evaluation=held,
            licences=[lic for p in labelled_paths for lic in licences_of(p)],
        )
    except (ValueError, SpstoriesError) as exc:
        raise click.ClickException(str(exc)) from exc
    if stored is not None:
        with ctx.session() as session:
            audit.record(
                session,
                "model.train",
                obj=stored,
                model=result.directory.name,
                units=result.n_units,
                data_sha256=result.data_sha256,
            )
    click.echo(f"Model written to {result.directory}")
    if result.held_out:
        click.echo(f"Held-out texts ({len(held)}):")
        click.echo(format_reports(result.held_out))
    if result.cv is None:
        click.echo("No cross-validation: fewer than two labelled texts.", err=True)
        return
    click.echo(f"Cross-validated ({result.cv.folds} folds):")
    click.echo(format_reports(result.cv.reports))
