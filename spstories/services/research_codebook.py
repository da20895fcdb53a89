"""Reshaping a project's codebook: rename a code, move it, merge one code into another.

Each change is validated in full before anything is written, makes a new codebook revision
and writes its own audit event. A code's key never changes (codings, memos and REFI-QDA
GUIDs hang on it); a rename changes only its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from spstories.core import codebook_edit
from spstories.core.codebook_edit import TreeCode
from spstories.services.research import (
    ResearchError,
    _record,
    require_change,
    save_codebook,
    tree,
)
from spstories.storage.models import Coding, Memo, ResearchProject, Settlement, User


@dataclass
class MergeResult:
    """What a merge did: codings recoded, duplicates collapsed, per coder (by name)."""

    source: str
    target: str
    moved: int = 0
    collapsed: int = 0
    memos: int = 0
    by_coder: dict[str, dict[str, int]] = field(default_factory=dict)


def _code(project: ResearchProject, key: str | None, what: str = "code") -> TreeCode:
    found = next((c for c in tree(project) if c.key == key), None)
    if found is None:
        raise ResearchError(f"choose a {what} of this project" if not key
                            else f"no code {key!r} in this project")
    return found


def _reshaped(project: ResearchProject, change: Callable[[list[TreeCode]], list[TreeCode]]
              ) -> list[TreeCode]:
    try:
        return change(tree(project))
    except ValueError as exc:
        raise ResearchError(str(exc)) from exc


def rename_code(session: Session, user: User, project: ResearchProject, key: str,
                label: str) -> None:
    """Give a code a new name (no two codes under one parent share a name)."""
    require_change(user, project)
    old = _code(project, key)
    new_tree = _reshaped(project, lambda codes: codebook_edit.rename(codes, key, label))
    save_codebook(session, user, project, new_tree, f"renamed {old.label} to {label.strip()}")
    _record(session, "research.code.rename", user, project, code=key, old=old.label,
            new=label.strip())


def move_code(session: Session, user: User, project: ResearchProject, key: str,
              parent: str | None) -> None:
    """Put a code, with its subcodes, under another code (``None``: the top level)."""
    require_change(user, project)
    old = _code(project, key)
    parent = parent or None
    where = _code(project, parent, "new place").label if parent else "the top level"
    new_tree = _reshaped(project, lambda codes: codebook_edit.move(codes, key, parent))
    save_codebook(session, user, project, new_tree, f"moved {old.label} to {where}")
    _record(session, "research.code.move", user, project, code=key, old_parent=old.parent,
            new_parent=parent)


def merge_code(session: Session, user: User, project: ResearchProject, source: str,
               target: str) -> MergeResult:
    """Merge ``source`` into ``target``: its codings, memos and settlements move to
    ``target``, its subcodes go under ``target``, and ``source`` is removed.

    Codings stay with the coder who made them, so agreement can still be measured after
    the merge; only the same coder's two codings of one passage become one (a memo on the
    dropped coding moves to the kept one).
    """
    require_change(user, project)
    merged = _code(project, source, "code to merge")
    into = _code(project, target, "code to merge into")
    new_tree = _reshaped(project, lambda codes: codebook_edit.merge(codes, source, target))
    result = _recode(session, project, source, target)
    result.memos = session.execute(
        update(Memo).where(Memo.project_id == project.id, Memo.code_key == source)
        .values(code_key=target)).rowcount
    session.execute(update(Settlement).where(Settlement.project_id == project.id,
                                             Settlement.code_key == source)
                    .values(code_key=target))
    save_codebook(session, user, project, new_tree, f"merged {merged.label} into {into.label}")
    _record(session, "research.code.merge", user, project, source=source, target=target,
            source_label=merged.label, target_label=into.label, moved=result.moved,
            collapsed=result.collapsed, memos=result.memos, by_coder=result.by_coder)
    return result


def _recode(session: Session, project: ResearchProject, source: str,
            target: str) -> MergeResult:
    result = MergeResult(source, target)
    rows = list(session.scalars(
        select(Coding).where(Coding.project_id == project.id,
                             Coding.code_key.in_([source, target]))
        .order_by(Coding.code_key != target, Coding.id)))
    kept: dict[tuple[int, int, int, int], Coding] = {}
    for row in rows:
        passage = (row.document_id, row.coder_id, row.start_offset, row.end_offset)
        counts = result.by_coder.setdefault(row.coder.name, {"moved": 0, "collapsed": 0})
        if row.code_key == target:
            kept.setdefault(passage, row)
            continue
        same = kept.get(passage)
        if same is None:
            row.code_key = target
            kept[passage] = row
            result.moved += 1
            counts["moved"] += 1
            continue
        # The same coder coded this passage with both codes: one coding remains.
        session.execute(update(Memo).where(Memo.coding_id == row.id)
                        .values(coding_id=same.id))
        same.settled = same.settled or row.settled
        session.delete(row)
        result.collapsed += 1
        counts["collapsed"] += 1
    result.by_coder = {k: v for k, v in result.by_coder.items() if v["moved"] or v["collapsed"]}
    session.flush()
    return result
