"""spstories backup / restore: every table comes back exactly, or nothing does."""

from __future__ import annotations

import gzip
import json
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.engine import make_url

from spstories.main import cli
from spstories.services import backup
from spstories.services.accounts import create_organisation
from spstories.services.database import has_tables
from spstories.storage.db import make_engine, make_session_factory, session_scope
from spstories.storage.models import AuditEvent, Organisation
from spstories.storage.snapshot import DERIVED_TABLES
from tests import backup_data

AUDITED = {"database.backup", "database.restore"}


def contents(url: str) -> dict[str, list[tuple]]:
    """Every table's rows (audit events of backing up and restoring aside), comparable
    across SQLite and PostgreSQL."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    found = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = []
            for row in connection.execute(select(table)).mappings():
                if table.name == "audit_events" and row["action"] in AUDITED:
                    continue
                rows.append(tuple(sorted((k, _plain(v)) for k, v in row.items())))
            found[table.name] = sorted(rows, key=repr)
    engine.dispose()
    return found


def _plain(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # SQLite keeps UTC without a zone
    return value


def audit_events(url: str, action: str) -> list[AuditEvent]:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
    engine.dispose()
    return events


@pytest.fixture
def empty_url(template_db, tmp_path):
    url = template_db.empty(tmp_path)
    yield url
    template_db.drop(url)


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_round_trip_restores_every_table_row_by_row(
    database_url, db, empty_url, template_db, tmp_path
):
    backup_data.fill(db)
    db.close()
    original = contents(database_url)
    empty = [name for name, rows in original.items() if not rows]
    assert empty == ["dashboard_stale"], "fill() must put rows in every table"

    path = tmp_path / "spstories.backup.jsonl.gz"
    out = run("--database-url", database_url, "backup", "--out", str(path),
              "--user", "admin@demo.spstories.test")
    assert "special-category" in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.with_name(path.name + ".partial").exists()
    with gzip.open(path) as stream:
        header = json.loads(stream.readline())
    assert header["schema"] and header["format"] == "spstories-backup"
    assert set(header["left_out"]) == DERIVED_TABLES  # rebuilt, not copied

    out = run("--database-url", empty_url, "restore", str(path),
              "--user", "admin@demo.spstories.test")
    assert "dashboard summaries were rebuilt" in out
    assert contents(empty_url) == original  # dashboard summaries and alembic_version too

    # Both are audited, naming the admin and the same checksum; and the restored database
    # hands out the id the original would have, so no id of a deleted record comes back.
    (taken,) = audit_events(database_url, "database.backup")
    (restored,) = audit_events(empty_url, "database.restore")
    assert taken.user_id == restored.user_id is not None
    assert taken.details["sha256"] == restored.details["sha256"]
    assert restored.id == taken.id

    # A second backup never overwrites the first.
    result = CliRunner().invoke(cli, ["--database-url", database_url, "backup", "--out",
                                      str(path)])
    assert result.exit_code == 1 and "already exists" in result.output

    if make_url(database_url).get_backend_name() == "postgresql":
        # PostgreSQL to SQLite and back again: the file is the same on both.
        sqlite_url = f"sqlite:///{tmp_path / 'moved.sqlite'}"
        run("--database-url", sqlite_url, "restore", str(path))
        assert contents(sqlite_url) == original
        again = tmp_path / "from-sqlite.jsonl.gz"
        run("--database-url", sqlite_url, "backup", "--out", str(again))
        back = template_db.empty(tmp_path, "back")
        run("--database-url", back, "restore", str(again))
        assert contents(back) == original
        template_db.drop(back)


@pytest.fixture
def small_backup(database_url, db, tmp_path) -> Path:
    create_organisation(db, "Northside SP")
    db.commit()
    path = tmp_path / "small.jsonl.gz"
    with engine_for(database_url) as engine:
        backup.write_backup_file(engine, path)
    return path


def test_restore_refuses_a_database_that_has_data(database_url, small_backup):
    with (
        pytest.raises(backup.BackupError, match="--replace"),
        small_backup.open("rb") as f,
        engine_for(database_url) as engine,
    ):
        backup.restore(engine, f)


def test_restore_replace_swaps_everything_in_one_go(database_url, db, small_backup):
    create_organisation(db, "Added after the backup")
    db.commit()
    with small_backup.open("rb") as f, engine_for(database_url) as engine:
        backup.restore(engine, f, replace=True)
    db.rollback()
    assert db.scalars(select(Organisation.name)).all() == ["Northside SP"]
    # The append-only audit trail is still append-only after a replace.
    assert audit_events(database_url, "database.restore")[0].details["replaced_existing"]


@pytest.mark.parametrize("damage", ["truncated", "altered"])
def test_a_damaged_backup_restores_nothing(small_backup, empty_url, tmp_path, damage):
    lines = gzip.decompress(small_backup.read_bytes()).splitlines(keepends=True)
    if damage == "truncated":
        lines = lines[:-1]
    else:
        lines = [line.replace(b"Northside SP", b"Southside SP") for line in lines]
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(gzip.compress(b"".join(lines)))
    with engine_for(empty_url) as engine:
        with pytest.raises(backup.BackupError, match=r"incomplete|damaged"), bad.open("rb") as f:
            backup.restore(engine, f)
        assert not has_tables(engine)  # the schema was rolled back with the rows


def test_restore_refuses_what_is_not_a_backup(empty_url, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("not a backup")
    result = CliRunner().invoke(cli, ["--database-url", empty_url, "restore", str(other)])
    assert result.exit_code == 1
    assert "not an spstories backup" in result.output
