"""demo: load the synthetic demo data set."""

from __future__ import annotations

import sys

import click

from spstories.cli.context import CliContext
from spstories.services import database
from spstories.services.demo import demo_logins, has_demo, load_demo


@click.command("demo")
@click.option(
    "--clients",
    default=300,
    show_default=True,
    type=click.IntRange(3, 100_000),
    help="How many synthetic clients to generate.",
)
@click.option("--seed", default=7, show_default=True, type=int, help="Random seed.")
@click.pass_obj
def demo(ctx: CliContext, clients: int, seed: int) -> None:
    """Load a clearly labelled synthetic demo (3 organisations, tagged) and print its logins.

    Does nothing but print the logins when the demo is already loaded.
    """
    if database.has_tables(ctx.engine):
        database.upgrade_db(ctx.engine)
    else:
        database.init_db(ctx.engine)
    with ctx.session() as session:
        if has_demo(session):
            click.echo("The demo data is already loaded.")
        else:
            with click.progressbar(
                length=clients, label="Loading synthetic demo data", file=sys.stderr
            ) as bar:
                counts = load_demo(session, clients=clients, seed=seed, progress=bar.update)
            click.echo(
                "Loaded synthetic demo data: "
                + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items())
            )
    with ctx.session() as session:
        click.echo("Demo logins (synthetic data only):")
        # The first link worker, manager, both researchers (the research project's two
        # coders) and the administrator; the other demo accounts share the password.
        for login in demo_logins(session)[:5]:
            click.echo(f"  {login.role:<12} {login.email:<34} password: {login.password}")
