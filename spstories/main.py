"""Composition root: the console script joins the CLI with the web app's ``serve``.

The CLI layer never imports the web layer; this module, above both, wires them.
"""

from spstories.cli import cli
from spstories.web.commands import serve

cli.add_command(serve)


def main() -> None:
    cli()
