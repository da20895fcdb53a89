"""retag: tag every stored narrative again with the newest codebook version."""

from __future__ import annotations

import sys

import click
from sqlalchemy.orm import Session

from spstories.cli.context import CliContext
from spstories.errors import SpstoriesError
from spstories.services.codebooks import latest_version
from spstories.services.tagging import OUTCOMES_CODEBOOK, documents_to_tag, retag_all
from spstories.storage.models import Codebook


@click.command("retag")
@click.option(
    "--codebook", "key", default=OUTCOMES_CODEBOOK, show_default=True, help="Stored codebook id."
)
@click.pass_obj
def retag(ctx: CliContext, key: str) -> None:
    """Re-tag all case studies and feedback (run after a new codebook version is loaded)."""
    with ctx.session() as session:
        codebook = latest_version(session, key)
        if codebook is None:
            raise SpstoriesError(
                f"no codebook {key!r} in the database; run 'spstories upgrade-db'."
            )
        retag_with_progress(session, codebook)


def retag_with_progress(session: Session, codebook: Codebook) -> None:
    """Re-tag every narrative with ``codebook``, with a progress bar on stderr."""
    count = len(documents_to_tag(session))
    with click.progressbar(
        length=count, label=f"Tagging with {codebook.key} {codebook.version}", file=sys.stderr
    ) as bar:
        tags = retag_all(session, codebook, progress=bar.update)
    click.echo(f"Re-tagged {count} documents with version {codebook.version}: {tags} tags.")
