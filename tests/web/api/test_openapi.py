"""The OpenAPI document is served, public, and describes exactly the routes that exist."""

from __future__ import annotations

import re

from spstories.web.api.roles import ROLES


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_document":
            path = re.sub(r"<int:(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield method.lower(), path, rule.endpoint


def test_the_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_route_is_described_and_every_description_is_a_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    described = {(method, path) for path, item in doc["paths"].items() for method in item}
    routes = {(method, path) for method, path, _ in _routes(app)}
    assert described == routes
    for method, path, endpoint in _routes(app):
        operation = doc["paths"][path][method]
        assert operation["operationId"] == endpoint.removeprefix("api.")
        assert operation["x-roles"] == sorted(r.value for r in ROLES[endpoint])
        assert {"401", "403"} <= set(operation["responses"])
        if "{" in path:
            assert "404" in operation["responses"]


def test_every_schema_reference_resolves(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', str(doc).replace("'", '"')))
    assert refs and refs <= set(doc["components"]["schemas"])


def test_the_reference_page_lists_every_operation_for_people(client, auth, users, app):
    auth.login("link_worker@north.test")
    page = client.get("/account/api").get_data(as_text=True)
    for _method, path, endpoint in _routes(app):
        assert f"/api/v1{path}" in page
        assert f'id="{endpoint.removeprefix("api.")}"' in page
    assert "https://" not in page.replace("https://localhost", "")  # no CDN, offline


def test_the_role_table_in_docs_matches_the_code():
    from pathlib import Path

    from spstories.core.vocabulary import Role
    from spstories.web.api.registry import OPERATIONS

    doc = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()
    section = doc.split("## Who may do what", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    by_route = {(op.method, re.sub(r"\{\w+\}", "{id}", op.path)): op.endpoint
                for op in OPERATIONS}
    documented = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        method = cells[0].strip("`").split()[0]
        paths = [p.strip("` ").split()[-1] for p in cells[0].split(",")]
        allowed = {role for role, cell in zip(Role, cells[1:5], strict=True)
                   if cell.strip("*") == "yes"}
        for path in paths:
            documented[by_route[(method, path)]] = allowed
    assert documented == {endpoint: set(roles) for endpoint, roles in ROLES.items()}
