"""init-db, upgrade-db and rebuild-dashboard."""

from __future__ import annotations

import click

from spstories.cli.context import CliContext
from spstories.cli.retag import retag_with_progress
from spstories.services import database
from spstories.services.codebooks import sync_shipped_codebooks
from spstories.services.tagging import OUTCOMES_CODEBOOK, documents_to_tag


@click.command("init-db")
@click.pass_obj
def init_db(ctx: CliContext) -> None:
    """Create the database schema (runs every migration on an empty database)."""
    click.echo(database.init_db(ctx.engine))
    _sync_codebooks(ctx)


@click.command("upgrade-db")
@click.pass_obj
def upgrade_db(ctx: CliContext) -> None:
    """Apply any migrations the database has not had yet; rebuild the dashboard summaries."""
    click.echo(database.upgrade_db(ctx.engine))
    _sync_codebooks(ctx)


@click.command("rebuild-dashboard")
@click.pass_obj
def rebuild_dashboard(ctx: CliContext) -> None:
    """Recompute the dashboard's per-client summaries from scratch (they are kept current on
    every write; use this after changing data by hand outside spstories)."""
    click.echo(database.rebuild_dashboard(ctx.engine))


def _sync_codebooks(ctx: CliContext) -> None:
    """Store new codebook versions; narratives are re-tagged when the outcomes codebook changes."""
    with ctx.session() as session:
        for row, created in sync_shipped_codebooks(session):
            state = "loaded" if created else "already loaded"
            click.echo(
                f"Codebook {row.key} version {row.version}: {state} ({len(row.codes)} codes)."
            )
            if created and row.key == OUTCOMES_CODEBOOK and documents_to_tag(session):
                retag_with_progress(session, row)
