"""``spstories serve``: the web app from the command line."""

from __future__ import annotations

import ipaddress

import click

from spstories.services.database import ensure_current
from spstories.storage.db import make_engine
from spstories.web import create_app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug/--no-debug", default=False, help="Flask debugger (never in production).")
@click.pass_obj
def serve(ctx: object, host: str, port: int, debug: bool) -> None:
    """Run the web app (development server; use gunicorn in production: docs/deployment.md)."""
    if debug and not _is_loopback(host):
        # The debugger runs any code typed into it: never where another machine can reach it.
        raise click.UsageError("--debug is only allowed on the loopback address (127.0.0.1).")
    app = create_app(database_url=getattr(ctx, "database_url", None))
    engine = make_engine(app.config["DATABASE_URL"])
    ensure_current(engine, auto_upgrade=engine.dialect.name == "sqlite")
    engine.dispose()
    if _is_loopback(host):
        # Over plain HTTP on this machine only: a Secure cookie would never be sent back.
        app.config["SESSION_COOKIE_SECURE"] = False
    else:
        click.echo("Warning: serving beyond this machine; put it behind HTTPS.", err=True)
    click.echo(f"spstories is running at http://{host}:{port}/  (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=debug, use_reloader=False)
