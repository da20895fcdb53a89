"""Every action the code records has plain words for the audit log page."""

from __future__ import annotations

import ast
from pathlib import Path

from spstories.core.audit_words import ACTIONS, describe

PACKAGE = Path(__file__).resolve().parents[2] / "spstories"
# function name -> index of the action among its positional arguments
RECORDERS = {"record": 1, "_record": 1, "record_access": 0}


def _constants(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    if isinstance(node, ast.Name):
        return []  # a wrapper passing its own argument on (research._record)
    raise AssertionError(f"action is not a literal at line {node.lineno}: audit actions "
                         "must be written out so they can be described and searched")


def recorded_actions() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            index = RECORDERS.get(name or "")
            if index is not None and len(node.args) > index:
                found.update(_constants(node.args[index]))
    return found


def test_every_recorded_action_has_words():
    actions = recorded_actions()
    assert len(actions) > 60  # the scan finds the calls
    assert actions - ACTIONS.keys() == set()


def test_descriptions_fill_in_the_record_and_the_client():
    assert describe("client.view", "Client", 4, "N-0042") == "opened the record of client N-0042"
    assert describe("case_study.approve", "CaseStudy", 12) == "approved case study 12"
    assert describe("login.failed", details={"email": "a@b.c"}) == "failed to log in as a@b.c"
    assert describe("something.new", "Tag", 3) == "something new (tag 3)"
