"""export-qdpx / import-qdpx: research projects to and from other QDA tools (REFI-QDA)."""

from __future__ import annotations

from pathlib import Path

import click

from spstories.cli.context import CliContext
from spstories.errors import SpstoriesError
from spstories.services import research_exchange
from spstories.storage.models import ResearchProject, User


def _project(session, project_id: int) -> ResearchProject:  # type: ignore[no-untyped-def]
    project = session.get(ResearchProject, project_id)
    if project is None:
        raise SpstoriesError(f"no research project {project_id}")
    return project


@click.command("export-qdpx")
@click.option("--project", "project_id", type=int, required=True, help="Research project id.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .qdpx file to write.")
@click.pass_obj
def export_qdpx(ctx: CliContext, project_id: int, out: Path) -> None:
    """Write a research project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA..."""
    with ctx.session() as session:
        data = research_exchange.export_qdpx(session, None, _project(session, project_id))
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data)} bytes).")


@click.command("import-qdpx")
@click.option("--project", "project_id", type=int, required=True, help="Research project id.")
@click.option("--user", "email", required=True, help="Email of the researcher importing.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_qdpx(ctx: CliContext, project_id: int, email: str, file: Path) -> None:
    """Add a .qdpx project from another QDA tool to a research project."""
    from sqlalchemy import select

    with ctx.session() as session:
        user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise SpstoriesError(f"no user {email}")
        counts = research_exchange.import_qdpx(session, user, _project(session, project_id),
                                               file.read_bytes())
    click.echo(f"Imported {counts['documents']} documents, {counts['codings']} codings, "
               f"{counts['memos']} memos.")
