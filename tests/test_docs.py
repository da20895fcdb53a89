"""Docs that cannot drift: README names every command and its quick start stays two lines."""

from __future__ import annotations

import re
from pathlib import Path

import click

from spstories.main import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_quick_start_is_exactly_two_commands():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert commands == ["./dev.sh demo", "./dev.sh test"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./dev.sh test" in ci
    assert "README" in ci


def test_every_command_is_in_the_readme():
    for name in cli.list_commands(click.Context(cli)):
        assert f"spstories {name}" in README, f"README does not mention 'spstories {name}'"
