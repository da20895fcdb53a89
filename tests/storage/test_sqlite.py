"""SQLite as the embedded default: WAL, foreign keys and a busy timeout on every connection,
so concurrent writers wait for each other instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from spstories.storage.db import SQLITE_BUSY_TIMEOUT, make_engine


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'embedded.sqlite'}"


def test_every_new_connection_has_wal_foreign_keys_and_a_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    for _ in range(2):  # a second pooled connection is set up the same way
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == \
                SQLITE_BUSY_TIMEOUT * 1000
        engine.dispose()
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO child (parent_id) VALUES (42)")
    engine.dispose()


def test_a_writer_waits_for_another_instead_of_failing(sqlite_url):
    engine = make_engine(sqlite_url, busy_timeout=5)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (body TEXT)")
    locked, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO notes VALUES ('first')")
        locked.set()
        release.wait(5)
        holder.commit()
        holder.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    locked.wait(5)
    threading.Timer(0.5, release.set).start()  # the other writer finishes in half a second
    started = time.monotonic()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes VALUES ('second')"))
    assert time.monotonic() - started >= 0.4  # it waited rather than failed
    thread.join()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM notes").scalar() == 2

    # Beyond the timeout it fails cleanly, which the web app turns into a "busy" page.
    impatient = make_engine(sqlite_url, busy_timeout=0.1)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="locked"), impatient.begin() as connection:
        connection.execute(text("INSERT INTO notes VALUES ('third')"))
    holder.rollback()
    holder.close()
    impatient.dispose()
    engine.dispose()
