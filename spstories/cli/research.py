"""research, export-qdpx, import-qdpx: research projects, and moving them to and from other
QDA tools (REFI-QDA)."""

from __future__ import annotations

from pathlib import Path

import click

from spstories.cli.context import CliContext
from spstories.errors import SpstoriesError
from spstories.services import research as research_service
from spstories.services import research_exchange
from spstories.services.accounts import organisations_by_slug
from spstories.storage.models import ResearchProject, User
from spstories.storage.queries import user_by_email


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


@click.group()
def research() -> None:
    """Research projects: create one (for import-qdpx and the workbench), list them."""


@research.command("create")
@click.option("--name", required=True, help="The project's name.")
@click.option("--org", "slug", required=True, help="Slug of the organisation it belongs to.")
@click.option("--description", default="", help="What the project is about.")
@click.option("--codebook", "codebook_key", default="sp-outcomes", show_default=True,
              help="Seed the project's codes from this stored codebook; 'none' for empty.")
@click.option("--user", "email", default=None,
              help="A researcher of the organisation recorded as its creator.")
@click.pass_obj
def create(ctx: CliContext, name: str, slug: str, description: str, codebook_key: str,
           email: str | None) -> None:
    """Create a research project in an organisation and print its id."""
    from spstories.services.codebooks import latest_version

    with ctx.session() as session:
        (org,) = organisations_by_slug(session, [slug])
        user = None
        if email:
            user = user_by_email(session, email)
            if user is None:
                raise SpstoriesError(f"no user {email}")
        codebook = None
        if codebook_key != "none":
            codebook = latest_version(session, codebook_key)
            if codebook is None:
                raise SpstoriesError(f"no stored codebook {codebook_key!r}; run "
                                     "'spstories init-db' or name another")
        project = research_service.create_project(session, user, name, org.id, description,
                                                  codebook)
        click.echo(f"Created research project {project.id} {project.name!r} in {org.name} "
                   f"({len(project.codes)} codes).")


@research.command("list")
@click.option("--org", "slug", default=None, help="Only this organisation's projects.")
@click.pass_obj
def list_projects(ctx: CliContext, slug: str | None) -> None:
    """Every research project: id, organisation, name, codes, documents, codings."""
    from sqlalchemy import func, select

    from spstories.storage.models import Coding, Organisation, ProjectDocument

    with ctx.session() as session:
        stmt = select(ResearchProject, Organisation.slug).join(
            Organisation, Organisation.id == ResearchProject.organisation_id)
        if slug:
            stmt = stmt.where(Organisation.slug == slug)
        for project, org in session.execute(stmt.order_by(ResearchProject.id)):
            docs = session.scalar(select(func.count()).select_from(ProjectDocument)
                                  .where(ProjectDocument.project_id == project.id))
            codings = session.scalar(select(func.count()).select_from(Coding)
                                     .where(Coding.project_id == project.id))
            click.echo(f"{project.id}\t{org}\t{project.name}\t{len(project.codes)} codes\t"
                       f"{docs} documents\t{codings} codings")
