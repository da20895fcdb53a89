"""Every route is either public or declares the roles that may use it."""

from __future__ import annotations

import pytest

from spstories.core.vocabulary import Role
from spstories.web.access import ALL_ROLES

PUBLIC_ENDPOINTS = {"auth.login", "static", "api.openapi_document", "health.healthz"}


def _endpoints(app):
    """Routes the session cookie reaches; API operations take bearer tokens only and have
    their own matrix (tests/web/api/test_api_access.py, over spstories.web.api.roles)."""
    for rule in app.url_map.iter_rules():
        if not getattr(app.view_functions[rule.endpoint], "token_auth", False):
            yield rule


def test_every_endpoint_is_public_or_declares_roles(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        assert not getattr(view, "public", False), f"{rule.endpoint} is unexpectedly public"
        assert getattr(view, "allowed_roles", None), f"{rule.endpoint} declares no roles"


def test_anonymous_users_are_sent_to_login_from_every_page(app, client):
    for rule in _endpoints(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.arguments:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(rule.rule, method=method)
        if method == "POST":
            assert response.status_code in (302, 400), rule.rule  # CSRF or login
        else:
            assert response.status_code == 302, rule.rule
            assert "/auth/login" in response.headers["Location"]


def test_role_matrix(app, client, auth, users):
    """Each role reaches exactly the GET pages that name it."""
    for role in ("link_worker", "manager", "researcher", "admin"):
        auth.login(f"{role}@north.test")
        for rule in _endpoints(app):
            if rule.endpoint in PUBLIC_ENDPOINTS or rule.arguments or "GET" not in rule.methods:
                continue
            allowed = getattr(app.view_functions[rule.endpoint], "allowed_roles", frozenset())
            status = client.get(rule.rule).status_code
            if Role(role) in allowed:
                assert status in (200, 302), (role, rule.rule, status)
            else:
                assert status == 403, (role, rule.rule, status)
        auth.logout()


@pytest.mark.parametrize("role", ["link_worker", "manager", "researcher"])
def test_admin_pages_are_refused_to_other_roles(client, auth, users, role):
    auth.login(f"{role}@north.test")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403


def test_all_roles_constant_covers_every_role():
    assert set(ALL_ROLES) == set(Role)
