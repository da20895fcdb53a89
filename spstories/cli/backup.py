"""backup and restore: the whole database in one portable, versioned file.

The file holds special-category health data: it is created readable by its owner only, and
``--out -`` writes it to standard output so it can be encrypted on the way, e.g.
``spstories backup --out - | gpg --symmetric > backup.gpg`` (docs/deployment.md).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from spstories.cli.context import CliContext
from spstories.services import backup as service


@contextmanager
def _progress(label: str) -> Iterator[service.Progress]:
    with tqdm(desc=label, unit=" rows", file=sys.stderr, disable=None) as bar:

        def advance(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
                bar.refresh()
            bar.update(done)

        yield advance


@click.command("backup")
@click.option(
    "--out",
    required=True,
    help="New file to write (never overwritten), or '-' for standard output.",
)
@click.option("--user", "user_email", help="Email of the admin taking the backup (audited).")
@click.pass_obj
def backup(ctx: CliContext, out: str, user_email: str | None) -> None:
    """Back up every table to one file, read as of one moment (special-category data:
    keep it encrypted and access-controlled)."""
    with _progress("Backing up") as progress:
        if out == "-":
            stream = click.get_binary_stream("stdout")
            if stream.isatty():
                raise click.UsageError("refusing to write a backup to the terminal; "
                                       "redirect it or pipe it into an encryption tool.")
            summary = service.write_backup_stream(
                ctx.engine, stream, user_email=user_email, progress=progress
            )
        else:
            summary = service.write_backup_file(
                ctx.engine, Path(out), user_email=user_email, progress=progress
            )
    where = "standard output" if out == "-" else out
    click.echo(
        f"Backed up {summary.total_rows} rows from {len(summary.rows)} tables (schema "
        f"{summary.schema}) to {where}; SHA-256 {summary.sha256}. It holds special-category "
        "data: store it encrypted.",
        err=True,
    )


@click.command("restore")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--replace",
    is_flag=True,
    help="Delete every spstories table in the target database first (all in one "
    "transaction: kept if the restore fails). Without it, the database must be empty.",
)
@click.option("--user", "user_email", help="Email of the admin restoring (audited).")
@click.pass_obj
def restore(ctx: CliContext, file: click.utils.LazyFile, replace: bool,
            user_email: str | None) -> None:
    """Restore a backup made by 'spstories backup' into an empty database ('-' reads
    standard input); the dashboard summaries are rebuilt and the schema upgraded."""
    with _progress("Restoring") as progress:
        summary = service.restore(
            ctx.engine, file, replace=replace, user_email=user_email, progress=progress
        )
    click.echo(
        f"Restored {summary.total_rows} rows into {len(summary.rows)} tables from the backup "
        f"of {summary.created_at}; the database is at revision {summary.schema} and its "
        "dashboard summaries were rebuilt."
    )
