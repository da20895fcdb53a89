"""Fixtures for the API: records in two organisations and a caller with a token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spstories.storage.models import Tag
from tests.api_data import bearer, build, token


@pytest.fixture
def records(db, orgs, users):
    return build(db, orgs, users)


class Caller:
    """Calls the API as a user, with a bearer token."""

    def __init__(self, client, db, users):
        self.client, self.db, self.users = client, db, users
        self._secrets: dict[tuple[str, bool], str] = {}

    def secret(self, who: str, write: bool = False) -> str:
        if (who, write) not in self._secrets:
            self._secrets[(who, write)] = token(self.db, self.users[who], can_write=write)
        return self._secrets[(who, write)]

    def get(self, path, who="manager", **kwargs):
        return self.client.get(f"/api/v1{path}", headers=bearer(self.secret(who)), **kwargs)

    def post(self, path, body, who="link_worker", write=True, headers=None, **kwargs):
        return self.client.post(f"/api/v1{path}", json=body,
                                headers={**bearer(self.secret(who, write)), **(headers or {})},
                                **kwargs)


@pytest.fixture
def api(client, db, users):
    return Caller(client, db, users)


@pytest.fixture
def north_tag(db, records):
    return db.scalars(select(Tag).where(Tag.case_study_id == records["north_case_study"])
                      .order_by(Tag.id)).first()
