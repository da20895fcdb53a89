"""Fresh databases for tests: a migrated template, copied per test.

SQLite (default): the template is a file, copied. PostgreSQL (``DATABASE_URL``
set): the template is a database, cloned with ``CREATE DATABASE ... TEMPLATE``.
Both are far faster than migrating per test, and every test still gets its own.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from spstories.storage.db import make_engine, make_session_factory, normalise_url, session_scope

SERVER_URL = os.environ.get("DATABASE_URL")


def using_postgres() -> bool:
    return bool(SERVER_URL)


def _prepare(url: str) -> None:
    from spstories.services.codebooks import sync_shipped_codebooks
    from spstories.storage.db import upgrade

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(make_session_factory(engine)) as session:
        sync_shipped_codebooks(session)
    engine.dispose()


class TemplateDatabase:
    def __init__(self, workdir: Path, worker: str) -> None:
        self.workdir = workdir
        self.worker = worker
        self.created: list[str] = []
        if using_postgres():
            self.server = make_url(normalise_url(SERVER_URL or ""))
            self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
            self.template = f"spstories_tmpl_{worker}_{uuid.uuid4().hex[:6]}"
            self._execute(f'CREATE DATABASE "{self.template}"')
            _prepare(self.server.set(database=self.template).render_as_string(False))
        else:
            self.template_path = workdir / "template.sqlite"
            _prepare(f"sqlite:///{self.template_path}")

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def fresh(self, tmp_path: Path) -> str:
        """A new database with the current schema and shipped codebooks."""
        if using_postgres():
            name = f"spstories_t_{uuid.uuid4().hex[:12]}"
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            self.created.append(name)
            return self.server.set(database=name).render_as_string(False)
        path = tmp_path / "spstories.sqlite"
        shutil.copy(self.template_path, path)
        return f"sqlite:///{path}"

    def empty(self, tmp_path: Path, name: str = "empty") -> str:
        """A new database with nothing in it (no schema), dropped with the others."""
        if using_postgres():
            database = f"spstories_e_{uuid.uuid4().hex[:12]}"
            self._execute(f'CREATE DATABASE "{database}"')
            self.created.append(database)
            return self.server.set(database=database).render_as_string(False)
        return f"sqlite:///{tmp_path / f'{name}.sqlite'}"

    def drop(self, url: str) -> None:
        if using_postgres():
            name = make_url(url).database
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if using_postgres():
            for name in self.created:  # any a test left behind (empty() ones in particular)
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            self.admin.dispose()
