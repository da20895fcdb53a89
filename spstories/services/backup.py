"""Backing up the whole database to one portable file, and restoring it.

A backup holds every client's special-category data, so the file is created readable by its
owner only, written under a temporary name and renamed when complete (an interrupted backup
never looks like a finished one), and each backup and restore is in the audit trail.

The file (format version 1) is gzip-compressed JSON Lines, the same on SQLite and
PostgreSQL, so a SQLite service can move to PostgreSQL by backing up and restoring:

- a header: format, version, the schema revision, the database it came from, when, and
  how many rows each table has;
- for each table, in foreign-key order: ``{"table": name, "columns": [...]}`` and then one
  JSON array per row, in primary-key order;
- a trailer: the next id of each table and the SHA-256 of every line before it, so a
  truncated or altered file is refused before anything is kept.

A restore goes into an empty database (or, with ``replace``, one whose spstories tables are
dropped first), in one transaction: the schema is created at the backup's revision, the rows
are loaded, the schema is brought up to this version's, and the dashboard summaries (left out
of the backup, being derived) are rebuilt. Any failure rolls all of it back.
"""

from __future__ import annotations

import getpass
import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from spstories import __version__
from spstories.core.vocabulary import Role
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.database import has_tables
from spstories.storage import dashboard_summaries, db, snapshot
from spstories.storage.models import User
from spstories.storage.queries import user_by_email

FORMAT = "spstories-backup"
FORMAT_VERSION = 1
NOTICE = (
    "Special-category health data: keep this file encrypted, access-controlled and no longer "
    "than your retention schedule allows."
)
# progress(rows just done, rows in all)
Progress = Callable[[int, int], None]


class BackupError(SpstoriesError):
    """A backup cannot be written, or a file cannot be restored; nothing was changed."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or restore covered."""

    schema: str
    rows: dict[str, int]
    sha256: str
    created_at: str

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def admin_by_email(session: Session, email: str) -> User:
    """The active admin with this email, who is recorded as taking or restoring a backup."""
    user = user_by_email(session, email)
    if user is None or not user.active or user.role != Role.ADMIN.value:
        raise BackupError(f"{email} is not an active admin.")
    return user


def write_backup_file(
    engine: Engine,
    path: Path,
    *,
    user_email: str | None = None,
    progress: Progress | None = None,
) -> BackupSummary:
    """Back up to a new file at ``path`` (owner-only), refusing to overwrite one, and audit
    it (``user_email``: the admin taking it, if any)."""
    user_id = _admin_id(engine, user_email)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new name (backups are never "
                          "overwritten).")
    partial = path.with_name(path.name + ".partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise BackupError(f"cannot create {partial}: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as out:
            summary = write_backup(engine, out, progress=progress)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _record_backup(engine, summary, destination=str(path), user_id=user_id)
    return summary


def write_backup_stream(
    engine: Engine,
    out: IO[bytes],
    *,
    user_email: str | None = None,
    progress: Progress | None = None,
) -> BackupSummary:
    """Back up to ``out`` (standard output, to encrypt on the way: docs/deployment.md)."""
    user_id = _admin_id(engine, user_email)
    summary = write_backup(engine, out, progress=progress)
    _record_backup(engine, summary, destination="standard output", user_id=user_id)
    return summary


def write_backup(
    engine: Engine, out: IO[bytes], *, progress: Progress | None = None
) -> BackupSummary:
    """Write a backup of every table to ``out``, read as of one moment."""
    revision = db.current_revision(engine)
    if revision is None:
        raise BackupError("the database has no spstories schema; there is nothing to back up.")
    digest = hashlib.sha256()
    created_at = datetime.now(UTC).isoformat()
    with engine.connect() as connection, snapshot.consistent_read(connection) as reading:
        tables = snapshot.data_tables(reading)
        rows = {t.name: snapshot.count_rows(reading, t) for t in tables}
        total = sum(rows.values())
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as stream:

            def emit(value: Any) -> None:
                line = _line(value)
                digest.update(line)
                stream.write(line)

            emit({
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "notice": NOTICE,
                "spstories": __version__,
                "schema": revision,
                "dialect": engine.dialect.name,
                "created_at": created_at,
                "rows": rows,
                "left_out": sorted(snapshot.DERIVED_TABLES),
            })
            for table in tables:
                emit({"table": table.name, "columns": [c.name for c in table.columns]})
                for done, row in enumerate(snapshot.read_rows(reading, table), 1):
                    emit(row)
                    if progress is not None and done % snapshot.BATCH == 0:
                        progress(snapshot.BATCH, total)
                if progress is not None:
                    progress(rows[table.name] % snapshot.BATCH, total)
            next_ids = snapshot.next_ids(reading, tables)
            sha = digest.hexdigest()
            stream.write(_line({"end": True, "next_ids": next_ids, "sha256": sha}))
    return BackupSummary(revision, rows, sha, created_at)


def _admin_id(engine: Engine, email: str | None) -> int | None:
    if not email:
        return None
    with db.session_scope(db.make_session_factory(engine)) as session:
        return admin_by_email(session, email).id


def _record_backup(
    engine: Engine, summary: BackupSummary, *, destination: str, user_id: int | None
) -> None:
    """Put the backup in the audit trail: who, where to, and what it holds."""
    with db.session_scope(db.make_session_factory(engine)) as session:
        audit.record(
            session,
            "database.backup",
            user=session.get(User, user_id) if user_id is not None else None,
            destination=destination,
            operating_system_user=_os_user(),
            schema=summary.schema,
            tables=len(summary.rows),
            rows=summary.total_rows,
            sha256=summary.sha256,
        )


def read_header(source: IO[bytes]) -> dict[str, Any]:
    """The header of a backup (to check a file before restoring it)."""
    with gzip.GzipFile(fileobj=source, mode="rb") as stream:
        return _header(_lines(stream))[0]


def restore(
    engine: Engine,
    source: IO[bytes],
    *,
    replace: bool = False,
    user_email: str | None = None,
    progress: Progress | None = None,
) -> BackupSummary:
    """Restore a backup into ``engine``'s database, all or nothing.

    The database must hold no spstories tables, unless ``replace``: then everything in it is
    deleted in the same transaction (kept if the restore fails). ``user_email`` names who
    restored it in the restored audit trail; it must be an active admin in the backup.
    """
    if not replace and (has_tables(engine) or db.current_revision(engine) is not None):
        raise BackupError(
            "the database already holds spstories tables; restore only into a new, empty "
            "database, or pass --replace to delete everything in it first."
        )
    with gzip.GzipFile(fileobj=source, mode="rb") as stream, engine.connect() as connection:
        lines = _lines(stream)
        try:
            header, first_line = _header(lines)
            # One transaction from here, so the schema rolls back with the rows. pysqlite
            # would leave DDL outside any transaction without an explicit BEGIN.
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN")
            else:
                connection.begin()
            if replace:
                snapshot.drop_all(connection)
            for revision in header["schema"].split(","):
                db.upgrade_connection(connection, revision)
            next_ids, sha = _load(connection, header, first_line, lines, progress)
            snapshot.set_next_ids(connection, snapshot.data_tables(connection), next_ids)
            db.upgrade_connection(connection, "heads")
            summary = BackupSummary(
                db.current_revision_of(connection) or "", header["rows"], sha,
                header["created_at"],
            )
            _finish(connection, header, summary, replace=replace, user_email=user_email)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return summary


def _load(
    connection: Connection,
    header: dict[str, Any],
    first_line: bytes,
    lines: Iterator[bytes],
    progress: Progress | None,
) -> tuple[dict[str, int], str]:
    """Insert every table's rows; check counts and the checksum. Returns (next ids, sha)."""
    tables = {t.name: t for t in snapshot.data_tables(connection)}
    expected = header["rows"]
    if set(expected) != set(tables):
        missing = sorted(set(tables) - set(expected))
        extra = sorted(set(expected) - set(tables))
        raise BackupError(
            f"the backup's tables do not match schema {header['schema']}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(extra)}" if extra else "")
        )
    digest = hashlib.sha256(first_line)
    table = columns = None
    loaded: dict[str, int] = {}
    batch: list[list[Any]] = []
    total = sum(expected.values())

    def flush() -> None:
        snapshot.write_rows(connection, table, columns, batch)
        loaded[table.name] += len(batch)
        if progress is not None:
            progress(len(batch), total)
        batch.clear()

    for line in lines:
        value = _parse(line)
        if isinstance(value, list):
            if table is None or len(value) != len(columns):
                raise BackupError("the backup file is damaged: a row does not fit its table.")
            digest.update(line)
            batch.append(value)
            if len(batch) >= snapshot.BATCH:
                flush()
            continue
        if table is not None:
            flush()
        if value.get("end"):
            if value.get("sha256") != digest.hexdigest():
                raise BackupError("the backup file is damaged or was altered (its checksum "
                                  "does not match); nothing was restored.")
            if loaded != expected:
                raise BackupError("the backup file is incomplete: some rows are missing.")
            return value.get("next_ids", {}), digest.hexdigest()
        digest.update(line)
        name = value.get("table")
        if name not in tables or name in loaded:
            raise BackupError(f"the backup file is damaged: unexpected table {name!r}.")
        table, columns = tables[name], value.get("columns") or []
        unknown = set(columns) - set(table.c.keys())
        if unknown:
            raise BackupError(f"table {name} in the backup has columns the schema lacks: "
                              f"{', '.join(sorted(unknown))}.")
        loaded[name] = 0
    raise BackupError("the backup file is incomplete (it ends before its last line); "
                      "nothing was restored.")


def _finish(
    connection: Connection,
    header: dict[str, Any],
    summary: BackupSummary,
    *,
    replace: bool,
    user_email: str | None,
) -> None:
    """Rebuild the derived dashboard tables and audit the restore, in its transaction."""
    with Session(bind=connection) as session:
        dashboard_summaries.rebuild(session)
        user = admin_by_email(session, user_email) if user_email else None
        audit.record(
            session,
            "database.restore",
            user=user,
            backup_created_at=header["created_at"],
            backup_schema=header["schema"],
            backup_dialect=header["dialect"],
            sha256=summary.sha256,
            rows=summary.total_rows,
            replaced_existing=replace,
            operating_system_user=_os_user(),
        )
        session.flush()


def _header(lines: Iterator[bytes]) -> tuple[dict[str, Any], bytes]:
    """The parsed first line and its bytes (the checksum starts with them)."""
    try:
        first = next(lines)
        header = _parse(first)
    except (StopIteration, BackupError, OSError, EOFError):
        raise BackupError("this is not an spstories backup (or it is empty).") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("this is not an spstories backup.")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"this backup is in format version {header.get('version')}; this spstories "
            f"reads version {FORMAT_VERSION}."
        )
    known = db.known_revisions()
    unknown = [r for r in str(header.get("schema", "")).split(",") if r not in known]
    if unknown:
        raise BackupError(
            f"this backup comes from a newer spstories (schema {header.get('schema')}); "
            "upgrade spstories before restoring it."
        )
    return header, first


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    try:
        yield from stream
    except (OSError, EOFError) as exc:
        raise BackupError(f"the backup file is damaged or incomplete ({exc}); nothing was "
                          "restored.") from None


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _parse(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise BackupError("the backup file is damaged: a line is not valid JSON.") from None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
