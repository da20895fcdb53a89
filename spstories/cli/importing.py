"""``spstories import``: the web app's all-or-nothing import, from the command line, for
files too large to upload, with feedback tagged on the chosen engine."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spstories.cli.context import CliContext
from spstories.core.corpus.engines import DEFAULT_WORKERS, ENGINES, make_engine
from spstories.core.importing import KINDS, error_report_csv, get_kind, guess_mapping, read_table
from spstories.errors import SpstoriesError
from spstories.services.imports import preview, run_import
from spstories.storage.queries import organisation_by_slug, user_by_email

SHOWN = 20


@click.command("import")
@click.option("--kind", type=click.Choice(sorted(KINDS)), required=True,
              help="What the file holds.")
@click.option("--organisation", "slug", required=True, help="Organisation slug to import into.")
@click.option("--user", "email", required=True,
              help="The account the import is recorded against (it must belong to the "
              "organisation and be allowed to import).")
@click.option("--skip-duplicates", is_flag=True,
              help="Leave out rows already stored or repeated in the file, and list them.")
@click.option("--max-rows", type=click.IntRange(1), default=1_000_000, show_default=True,
              help="Refuse a larger file rather than read it in part.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), default=None,
              help="Write every problem to this CSV when the import is refused.")
@click.option("--engine", type=click.Choice(ENGINES), envvar="SPSTORIES_ENGINE",
              default="single", show_default=True,
              help="Where feedback is tagged: this process, or Dask (env SPSTORIES_ENGINE).")
@click.option("--scheduler", metavar="ADDRESS", envvar="SPSTORIES_SCHEDULER", default=None,
              help="Dask scheduler, e.g. tcp://10.0.0.5:8786; none starts a local cluster.")
@click.option("--workers", type=click.IntRange(1, 256), default=DEFAULT_WORKERS,
              show_default=True, help="Worker processes of a local Dask cluster.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def import_command(ctx: CliContext, kind: str, slug: str, email: str, skip_duplicates: bool,
                   max_rows: int, errors_path: str | None, engine: str, scheduler: str | None,
                   workers: int, file: str) -> None:
    """Import FILE (CSV or XLSX, columns matched by their headers as on the web import
    page) into an organisation: every row is checked first, and either all rows are
    saved in one transaction or none. Feedback is tagged as it is saved."""
    table = read_table(Path(file).read_bytes(), Path(file).name, max_rows=max_rows)
    mapping = guess_mapping(get_kind(kind), table.header)
    with ctx.session() as session:
        org = organisation_by_slug(session, slug)
        user = user_by_email(session, email)
        if org is None or user is None:
            raise SpstoriesError(f"no organisation {slug!r}" if org is None
                                 else f"no user {email!r}")
        shown = preview(table, kind)
        matched = [f"{f.name}={table.column_name(i)}" for f in shown.kind.fields
                   if (i := mapping.get(f.name)) is not None]
        click.echo(f"{Path(file).name}: {len(table.rows):,} rows; columns {', '.join(matched)}",
                   err=True)
        runner = make_engine("dask" if scheduler else engine, scheduler, workers=workers)
        try:
            with click.progressbar(length=1000, label=f"Importing ({runner.describe()})",
                                   file=sys.stderr) as bar:
                def progress(fraction: float, message: str) -> None:
                    bar.update(int(fraction * 1000) - bar.pos)

                result = run_import(session, user, org, kind, table, mapping,
                                    skip_duplicates=skip_duplicates, engine=runner,
                                    progress=progress)
        finally:
            runner.close()
        if not result.ok:  # nothing was written; the session is rolled back on the way out
            for error in result.errors[:SHOWN]:
                click.echo(str(error), err=True)
            if errors_path:
                Path(errors_path).write_bytes(error_report_csv(result.errors))
            more = f" (all of them in {errors_path})" if errors_path else ""
            raise SpstoriesError(f"{len(result.errors):,} problems in {Path(file).name}"
                                 f"{more}; nothing was imported")
    for skipped in result.skipped[:SHOWN]:
        click.echo(f"skipped {skipped}", err=True)
    click.echo(f"Imported {result.created:,} {kind} rows into {org.name}"
               + (f"; skipped {len(result.skipped):,} duplicates" if result.skipped else "")
               + ".")
