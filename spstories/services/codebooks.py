"""Codebook versions in the database, kept in step with the YAML files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.codebook import Codebook as CodebookSpec
from spstories.core.codebook import load_codebook, load_codebook_text, shipped_codebooks
from spstories.services import audit
from spstories.storage.models import Code, Codebook


def stored_version(session: Session, key: str, version: str) -> Codebook | None:
    stmt = select(Codebook).where(Codebook.key == key, Codebook.version == version)
    return session.scalars(stmt).first()


DRAFT_MARK = "-draft"


def latest_version(session: Session, key: str, *, drafts: bool = False) -> Codebook | None:
    """The newest stored version; draft versions (e.g. from a promoted topic) only if asked,
    so an unreviewed draft never becomes the codebook the app tags with."""
    stmt = select(Codebook).where(Codebook.key == key)
    if not drafts:
        stmt = stmt.where(~Codebook.version.contains(DRAFT_MARK))
    return session.scalars(stmt.order_by(Codebook.id.desc())).first()


def sync_codebook(session: Session, spec: CodebookSpec, source_yaml: str) -> tuple[Codebook, bool]:
    """Store this codebook version unless it is already stored; returns (row, created)."""
    existing = stored_version(session, spec.id, spec.version)
    if existing is not None:
        return existing, False
    row = Codebook(key=spec.id, version=spec.version, title=spec.title, source_yaml=source_yaml)
    row.codes = [
        Code(
            key=code.id,
            label=code.label,
            parent_key=code.parent,
            definition=code.definition or "",
            position=position,
        )
        for position, code in enumerate(spec.codes)
    ]
    session.add(row)
    session.flush()
    audit.record(session, "codebook.load", obj=row, key=spec.id, version=spec.version)
    return row, True


def sync_shipped_codebooks(
    session: Session, paths: list[Path] | None = None
) -> list[tuple[Codebook, bool]]:
    """Load every shipped codebook version not yet in the database: (row, newly loaded)."""
    synced = []
    for path in paths or shipped_codebooks():
        spec = load_codebook(path)
        synced.append(sync_codebook(session, spec, path.read_text(encoding="utf-8")))
    return synced


def code_ids(session: Session, codebook: Codebook) -> dict[str, int]:
    """Map the codebook's code keys to database ids."""
    return {code.key: code.id for code in codebook.codes}


_specs: dict[tuple[str, str], CodebookSpec] = {}


def spec_of(codebook: Codebook) -> CodebookSpec:
    """The core codebook of a stored version, parsed once per process (versions never change)."""
    version = (codebook.key, codebook.version)
    if version not in _specs:
        _specs[version] = load_codebook_text(
            codebook.source_yaml, f"{codebook.key} {codebook.version}"
        )
    return _specs[version]
