"""export-sp-standard: the SP Information Standard files for a commissioner's data team."""

from __future__ import annotations

from pathlib import Path

import click

from spstories.cli.context import CliContext
from spstories.services import sp_standard
from spstories.services.accounts import organisations_by_slug


@click.command("export-sp-standard")
@click.option("--org", "orgs", multiple=True, required=True,
              help="Organisation slug; repeat for several.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Referrals on or after this date.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Referrals on or before this date.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .zip to write (referrals, support offered, outcome scores, manifest).")
@click.pass_obj
def export_sp_standard(ctx: CliContext, orgs: tuple[str, ...], start, end, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Write referrals, support offered and outcome scores as SP Information Standard CSV.

    Pseudonymous ids only; clients whose consent does not allow anonymised external use are
    left out (the manifest says how many). See docs/sp-information-standard.md.
    """
    with ctx.session() as session:
        organisations = organisations_by_slug(session, orgs)
        data, about = sp_standard.export_zip(
            session, organisations, start=start.date() if start else None,
            end=end.date() if end else None, actor=None)
    out.write_bytes(data)
    rows = ", ".join(f"{n} rows in {name}" for name, n in about["rows"].items())
    left = sum(about["clients_left_out"].values())
    click.echo(f"Wrote {out}: {rows}; {about['clients_exported']} clients, {left} left out "
               "for consent.")
