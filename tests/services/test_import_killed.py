"""A server killed in the middle of an import leaves none of it behind.

A real process runs an import of 2,000 clients and is killed (SIGKILL: no cleanup, no
rollback in Python) once the rows have been written inside its open transaction. Nothing of
the import may remain, the database must be usable at once, and the same file must then
import whole, with no "duplicate" left over from the killed run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from spstories.core.importing import get_kind, guess_mapping, read_csv
from spstories.services.imports import run_import
from spstories.storage.db import make_engine
from spstories.storage.models import AuditEvent, Client

ROWS = 2000
CSV = "Client ID,Age group,Sex\n" + "".join(f"K{i:05d},45-54,F\n" for i in range(ROWS))

IMPORTER = """
import os, sys, time
from sqlalchemy import event
from spstories.core.importing import get_kind, guess_mapping, read_csv
from spstories.services.imports import run_import
from spstories.storage.db import make_engine, make_session_factory, session_scope
from spstories.storage.models import Organisation, User

engine = make_engine(os.environ["DATABASE_URL"])

@event.listens_for(engine, "after_cursor_execute")
def written(conn, cursor, statement, params, context, executemany):
    if statement.lstrip().upper().startswith("INSERT INTO CLIENTS"):
        print("WRITTEN", flush=True)  # rows are in the open transaction: kill me now
        time.sleep(120)

table = read_csv(sys.stdin.buffer.read(), "clients.csv")
with session_scope(make_session_factory(engine)) as session:
    user = session.query(User).filter_by(email="manager@north.test").one()
    org = session.query(Organisation).filter_by(name="North SP").one()
    run_import(session, user, org, "clients", table, guess_mapping(get_kind("clients"),
               table.header))
print("COMMITTED", flush=True)
"""


def _write_transaction_open(url: str) -> bool:
    """Whether another connection holds an uncommitted write on the database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        probe = sqlite3.connect(parsed.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            probe.close()
        return False
    engine = make_engine(url)
    with engine.connect() as connection:
        writing = connection.scalar(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'clients' AND l.mode = 'RowExclusiveLock' "
            "AND l.pid <> pg_backend_pid()"))
    engine.dispose()
    return bool(writing)


def _count(db, model, *where) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.slow
def test_an_import_killed_mid_way_leaves_nothing(database_url, db, users, orgs):
    process = subprocess.Popen(
        [sys.executable, "-c", IMPORTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, "DATABASE_URL": database_url}, text=True,
    )
    try:
        process.stdin.write(CSV)
        process.stdin.close()
        assert process.stdout.readline().strip() == "WRITTEN"
        assert _write_transaction_open(database_url)  # killed mid-write, not before it
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL

    assert _count(db, Client) == 0
    assert _count(db, AuditEvent, AuditEvent.action == "import.commit") == 0
    # PostgreSQL ends the dead client's transaction when it sees the connection gone.
    deadline = time.monotonic() + 20
    while _write_transaction_open(database_url) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _write_transaction_open(database_url)

    table = read_csv(CSV.encode(), "clients.csv")
    result = run_import(db, users["manager"], orgs["north"], "clients", table,
                        guess_mapping(get_kind("clients"), table.header))
    db.commit()
    assert result.ok and result.created == ROWS and not result.skipped
    assert _count(db, Client) == ROWS
