"""retag: tag every stored narrative again with the newest codebook version."""

from __future__ import annotations

import sys

import click
from sqlalchemy.orm import Session

from spstories.cli.context import CliContext
from spstories.core.corpus.engines import DEFAULT_WORKERS, ENGINES, Engine, make_engine
from spstories.errors import SpstoriesError
from spstories.services.codebooks import latest_version
from spstories.services.tagging import OUTCOMES_CODEBOOK, documents_to_tag, retag_all
from spstories.storage.models import Codebook


@click.command("retag")
@click.option(
    "--codebook", "key", default=OUTCOMES_CODEBOOK, show_default=True, help="Stored codebook id."
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    envvar="SPSTORIES_ENGINE",
    default="single",
    show_default=True,
    help="Tag in this process, or on Dask (env SPSTORIES_ENGINE).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    envvar="SPSTORIES_SCHEDULER",
    default=None,
    help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (env SPSTORIES_SCHEDULER); none starts "
    "a local cluster.",
)
@click.option("--workers", type=click.IntRange(1, 256), default=DEFAULT_WORKERS,
              show_default=True, help="Worker processes of a local Dask cluster.")
@click.pass_obj
def retag(ctx: CliContext, key: str, engine: str, scheduler: str | None, workers: int) -> None:
    """Re-tag all case studies and feedback (run after a new codebook version is loaded):
    every text is tagged first, then all tags are saved in one transaction."""
    with ctx.session() as session:
        codebook = latest_version(session, key)
        if codebook is None:
            raise SpstoriesError(
                f"no codebook {key!r} in the database; run 'spstories upgrade-db'."
            )
        runner = make_engine("dask" if scheduler else engine, scheduler, workers=workers)
        try:
            retag_with_progress(session, codebook, runner)
        finally:
            runner.close()


def retag_with_progress(session: Session, codebook: Codebook,
                        engine: Engine | None = None) -> None:
    """Re-tag every narrative with ``codebook``, with a progress bar on stderr."""
    count = len(documents_to_tag(session))
    where = f" ({engine.describe()})" if engine is not None else ""
    with click.progressbar(
        length=count, label=f"Tagging with {codebook.key} {codebook.version}{where}",
        file=sys.stderr,
    ) as bar:
        tags = retag_all(session, codebook, progress=bar.update, engine=engine)
    click.echo(f"Re-tagged {count} documents with version {codebook.version}: {tags} tags.")
