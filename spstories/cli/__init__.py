"""The ``spstories`` command line: the same services the web app calls."""

from __future__ import annotations

import os
from typing import Any

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from spstories import __version__
from spstories.cli.context import CliContext
from spstories.errors import SpstoriesError


class FriendlyGroup(click.Group):
    """Turns expected failures into a one-line error and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SpstoriesError as exc:
            raise click.ClickException(str(exc)) from exc
        except OperationalError as exc:
            raise click.ClickException(
                f"cannot use the database: {exc.orig}. Check DATABASE_URL or run "
                "'spstories init-db'."
            ) from exc
        except SQLAlchemyError as exc:
            raise click.ClickException(f"database error: {exc.__class__.__name__}: {exc}") from exc


@click.group(cls=FriendlyGroup)
@click.version_option(__version__, prog_name="spstories")
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy URL of the database (default: SQLite in instance/; env DATABASE_URL).",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """spstories: case studies, feedback and outcome measures for social prescribing,
    tagged against an outcomes codebook and counted beside the KPIs."""
    ctx.obj = CliContext(database_url or os.environ.get("DATABASE_URL"))
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from spstories.cli import database, demo, retag, users

    for command in (
        database.init_db,
        database.upgrade_db,
        database.rebuild_dashboard,
        demo.demo,
        retag.retag,
        users.users,
        users.orgs,
    ):
        cli.add_command(command)
    # commands from feature modules
    from spstories.cli.reports import reports

    cli.add_command(reports)
    from spstories.cli.research import export_qdpx, import_qdpx

    cli.add_command(export_qdpx)
    cli.add_command(import_qdpx)
    from spstories.cli.tagging import codebook, evaluate, tag

    cli.add_command(tag)
    cli.add_command(evaluate)
    cli.add_command(codebook)
    from spstories.cli.topics import topics

    cli.add_command(topics)
    from spstories.cli.training import train_command

    cli.add_command(train_command)


_register()
