"""Real database faults for tests: a SQLite file locked by another connection, a PostgreSQL
database that refuses connections (its open ones terminated), a port nobody listens on."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from spstories.storage.db import normalise_url


def closed_port_url() -> str:
    """A PostgreSQL URL on a local port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql://spstories:not-a-secret@127.0.0.1:{port}/spstories"


@contextmanager
def database_unavailable(url: str) -> Iterator[str]:
    """While inside: SQLite locked for writers ("busy"), or PostgreSQL down ("down")."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        holder = sqlite3.connect(parsed.database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # WAL: readers go on, every writer waits
        try:
            yield "busy"
        finally:
            holder.rollback()
            holder.close()
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = parsed.database
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = :name AND pid <> pg_backend_pid()"),
            {"name": name},
        )
        try:
            yield "down"
        finally:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    admin.dispose()
