"""Fixtures in the Flask tutorial's style: a fresh app and database per test."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy.orm import Session

from spstories.paths import MODELS_DIR
from spstories.services.accounts import create_organisation, create_user
from spstories.storage.db import make_engine, make_session_factory
from spstories.storage.models import Organisation, User
from spstories.web import create_app
from tests.databases import TemplateDatabase
from tests.embedding_backend import hashed_backend  # noqa: F401 - a fixture for every test
from tests.world_fixture import world  # noqa: F401 - the shared two-organisation world

# Property-based tests: fewer examples in CI (which sets CI=true), no deadline on a shared
# machine; a failure prints the example to reproduce it.
settings.register_profile("ci", max_examples=40, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

PASSWORD = "correct horse battery"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def template_db(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[TemplateDatabase]:
    template = TemplateDatabase(tmp_path_factory.mktemp("template"), worker_id)
    yield template
    template.close()


@pytest.fixture
def database_url(template_db: TemplateDatabase, tmp_path: Path) -> Iterator[str]:
    url = template_db.fresh(tmp_path)
    yield url
    template_db.drop(url)


@pytest.fixture
def db(database_url: str) -> Iterator[Session]:
    """A session on the test's database, for arranging data and checking effects."""
    engine = make_engine(database_url)
    session = make_session_factory(engine)()
    yield session
    session.close()
    engine.dispose()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    yield app
    app.extensions["spstories.jobs"].shutdown()
    app.extensions["spstories.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def orgs(db: Session) -> dict[str, Organisation]:
    created = {
        slug: create_organisation(db, name)
        for slug, name in (("north", "North SP"), ("south", "South SP"))
    }
    db.commit()
    return {key: org for key, org in zip(("north", "south"), created.values(), strict=True)}


@pytest.fixture
def users(db: Session, orgs: dict[str, Organisation]) -> dict[str, User]:
    """One user per role in the North organisation, plus a South link worker."""
    made = {
        role: create_user(
            db,
            email=f"{role}@north.test",
            name=f"{role} north",
            role=role,
            password=PASSWORD,
            organisations=[orgs["north"]],
        )
        for role in ("link_worker", "manager", "researcher", "admin")
    }
    made["south_link_worker"] = create_user(
        db,
        email="link_worker@south.test",
        name="south worker",
        role="link_worker",
        password=PASSWORD,
        organisations=[orgs["south"]],
    )
    db.commit()
    return made


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        token = csrf_token(self._client.get("/auth/login").get_data(as_text=True))
        return self._client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):  # type: ignore[no-untyped-def]
        token = csrf_token(self._client.get("/").get_data(as_text=True))
        return self._client.post("/auth/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict, form_path: str | None = None):  # type: ignore[no-untyped-def]
        """POST with the CSRF token of the page at ``form_path`` (default: ``path``)."""
        token = csrf_token(self._client.get(form_path or path).get_data(as_text=True))
        return self._client.post(path, data={**data, "csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture(autouse=True)
def embeddings_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run without sentence embeddings unless they bring a backend (tests/embeddings
    use the real one), so results never depend on whether the optional extra is installed."""
    monkeypatch.setenv("SPSTORIES_EMBEDDINGS", "none")


# Tests pin the tagger they assert on: by default the rules (no trained model in an empty
# models directory), so a retrained shipped model never changes another test's tags. The
# shipped model's own tests use the `shipped_models` fixture. Set at import, before any
# session fixture tags text.
os.environ["SPSTORIES_MODELS_DIR"] = tempfile.mkdtemp(prefix="spstories-no-models-")
# Compiled patterns are cached for the run only, never in the user's cache.
os.environ["SPSTORIES_CACHE_DIR"] = tempfile.mkdtemp(prefix="spstories-cache-")


@pytest.fixture
def shipped_models(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository's models/ folder (the shipped model) as the models directory."""
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(MODELS_DIR))
    return MODELS_DIR
