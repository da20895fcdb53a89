"""The two-organisation world (tests/web/world.py), built once per test process and shared
by the tests that only read it: the access matrix, the stored-XSS pages and browser check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from spstories.storage.db import make_engine, make_session_factory
from spstories.web import create_app
from tests.databases import TemplateDatabase

if TYPE_CHECKING:
    from tests.web.world import World


def make_world(template_db: TemplateDatabase, folder: Path) -> Iterator[World]:
    from tests.web.world import build_world  # it imports tests.conftest, which imports us

    url = template_db.fresh(folder)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "world-secret", "DATABASE_URL": url,
        "SESSION_COOKIE_SECURE": False, "IMPORT_UPLOAD_DIR": str(folder / "uploads"),
        "MODELS_DIR": str(folder / "models"),
    })
    # Jobs are created (and must be refused or scoped) but never run: the matrix is about
    # who may start them, and a re-tagging thread would change the world under the tests.
    app.extensions["spstories.jobs"].submit = lambda job_id: None
    engine = make_engine(url)
    session = make_session_factory(engine)()
    try:
        yield build_world(app, session, url)
    finally:
        session.close()
        engine.dispose()
        app.extensions["spstories.jobs"].shutdown()
        app.extensions["spstories.engine"].dispose()
        template_db.drop(url)


@pytest.fixture(scope="session")
def world(template_db: TemplateDatabase, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    yield from make_world(template_db, tmp_path_factory.mktemp("world"))
