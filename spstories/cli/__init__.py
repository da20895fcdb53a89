"""The ``spstories`` command line: the same services the web app calls.

Commands are imported only when they run: the table below gives each one's module and its
line in ``spstories --help``, so asking for help loads neither spaCy, scikit-learn, SQLAlchemy
nor Flask.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from spstories import __version__
from spstories.errors import SpstoriesError

# name -> ("module:attribute", the line `spstories --help` shows for it)
COMMANDS: dict[str, tuple[str, str]] = {
    "backup": ("spstories.cli.backup:backup", "Back up the whole database to one file."),
    "audit": ("spstories.cli.governance:audit", "Export the audit log; check its hash chain."),
    "codebook": ("spstories.cli.tagging:codebook", "Check and read codebook files."),
    "demo": ("spstories.cli.demo:demo", "Load the synthetic demo (organisations, clients, tags)."),
    "erase-client": (
        "spstories.cli.governance:erase_client",
        "Erase a client and everything held about them.",
    ),
    "evaluate": (
        "spstories.cli.tagging:evaluate",
        "Score a tagger against gold codes: precision, recall, F1.",
    ),
    "export-qdpx": (
        "spstories.cli.research:export_qdpx",
        "Write a research project as a REFI-QDA project (.qdpx).",
    ),
    "export-sp-standard": (
        "spstories.cli.exports:export_sp_standard",
        "Write the SP Information Standard CSV files (referrals, support, scores).",
    ),
    "import-qdpx": (
        "spstories.cli.research:import_qdpx",
        "Add a .qdpx project from another QDA tool to a research project.",
    ),
    "import": (
        "spstories.cli.importing:import_command",
        "Import clients, referrals, measures or feedback from a file: all rows or none.",
    ),
    "init-db": ("spstories.cli.database:init_db", "Create the database schema."),
    "orgs": ("spstories.cli.users:orgs", "Create and list organisations."),
    "rebuild-dashboard": (
        "spstories.cli.database:rebuild_dashboard",
        "Recompute the dashboard's per-client summaries.",
    ),
    "reports": (
        "spstories.cli.reports:reports",
        "Impact reports for commissioners: list, generate, export.",
    ),
    "research": ("spstories.cli.research:research", "Create and list research projects."),
    "restore": ("spstories.cli.backup:restore", "Restore a backup into an empty database."),
    "retag": ("spstories.cli.retag:retag", "Re-tag all case studies and feedback."),
    "subject-access": (
        "spstories.cli.governance:subject_access_command",
        "Write everything held about a client to a zip.",
    ),
    "tag": ("spstories.cli.tagging:tag", "Tag texts from a JSONL, CSV or text file."),
    "tokens": ("spstories.cli.tokens:tokens", "Make, list and revoke personal API tokens."),
    "topics": ("spstories.cli.topics:topics", "Find topics the codebook does not name."),
    "train": ("spstories.cli.training:train_command", "Train the learned tagger of a codebook."),
    "upgrade-db": ("spstories.cli.database:upgrade_db", "Apply migrations the database lacks."),
    "users": ("spstories.cli.users:users", "Create and list user accounts."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, listed from ``lazy`` without it."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def add_lazy_command(self, name: str, target: str, short_help: str) -> None:
        """Register ``target`` ("module:attribute") as command ``name``."""
        self.lazy[name] = (target, short_help)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        target, short_help = self.lazy[cmd_name]
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        command.short_help = command.short_help or short_help
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (
                name,
                self.lazy[name][1]
                if name in self.lazy and name not in self.commands
                else self.commands[name].get_short_help_str(formatter.width),
            )
            for name in self.list_commands(ctx)
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        """Expected failures become a one-line error and exit status 1, never a traceback."""
        try:
            return super().invoke(ctx)
        except SpstoriesError as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:
            if "sqlalchemy" not in sys.modules:  # no database used: not a database error
                raise
            from sqlalchemy.exc import OperationalError, SQLAlchemyError

            if isinstance(exc, OperationalError):
                raise click.ClickException(
                    f"cannot use the database: {exc.orig}. Check DATABASE_URL or run "
                    "'spstories init-db'."
                ) from exc
            if isinstance(exc, SQLAlchemyError):
                raise click.ClickException(
                    f"database error: {exc.__class__.__name__}: {exc}"
                ) from exc
            raise


@click.group(cls=LazyGroup, lazy=dict(COMMANDS))
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
    from spstories.cli.context import CliContext

    ctx.obj = CliContext(database_url or os.environ.get("DATABASE_URL"))
    ctx.call_on_close(ctx.obj.close)
