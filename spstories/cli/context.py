"""What every command needs: the database, opened lazily (and SQLAlchemy imported only by
commands that use it: ``spstories tag`` must start fast)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from spstories.paths import DEFAULT_DATABASE_URL, INSTANCE_DIR

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


class CliContext:
    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url or DEFAULT_DATABASE_URL

    @cached_property
    def engine(self) -> Engine:
        from spstories.storage.db import make_engine

        if self.database_url == DEFAULT_DATABASE_URL:
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return make_engine(self.database_url)

    def close(self) -> None:
        """Close pooled connections, if any were opened."""
        if "engine" in self.__dict__:
            self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        from spstories.storage.db import make_session_factory, session_scope

        with session_scope(make_session_factory(self.engine)) as session:
            yield session
