"""init-db and upgrade-db."""

from __future__ import annotations

import click

from spstories.cli.context import CliContext
from spstories.services import database


@click.command("init-db")
@click.pass_obj
def init_db(ctx: CliContext) -> None:
    """Create the database schema (runs every migration on an empty database)."""
    click.echo(database.init_db(ctx.engine))
    _sync_codebooks(ctx)


@click.command("upgrade-db")
@click.pass_obj
def upgrade_db(ctx: CliContext) -> None:
    """Apply any migrations the database has not had yet."""
    click.echo(database.upgrade_db(ctx.engine))
    _sync_codebooks(ctx)


def _sync_codebooks(ctx: CliContext) -> None:
    from spstories.services.codebooks import sync_shipped_codebooks

    with ctx.session() as session:
        for line in sync_shipped_codebooks(session):
            click.echo(line)
