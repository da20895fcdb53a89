"""The command list is answered without importing the heavy parts; every command loads."""

from __future__ import annotations

import subprocess
import sys

import click

from spstories.main import cli

HEAVY = ("spacy", "sklearn", "sqlalchemy", "flask", "numpy")


def test_help_lists_every_command_without_importing_heavy_modules():
    probe = (
        "import sys\n"
        "from spstories.main import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("[]"), result.stdout
    for name in cli.list_commands(click.Context(cli)):
        assert f"  {name} " in result.stdout


def test_every_listed_command_loads_under_its_name():
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command)
        assert command.name == name
        assert command.get_short_help_str()
