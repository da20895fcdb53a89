"""Composition root: the console script joins the CLI with the web app's ``serve``.

The CLI layer never imports the web layer; this module, above both, wires them.
"""

from spstories.cli import cli

cli.add_lazy_command("serve", "spstories.web.commands:serve", "Run the web app.")


def main() -> None:
    cli()
