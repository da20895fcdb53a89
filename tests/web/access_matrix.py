"""The access-control matrix, as data: every route of the URL map with real ids of the
user's own organisation and of another, the result each role should get, and the checks
every response must pass (no other organisation's data, no live markup).

Expected results come from one place, the roles each view declares (``@roles``,
``@any_role``, ``@public`` in ``spstories.web.access``; the API's ``roles.ROLES``), plus the
few refusals the services add on top (``service_refusal``). Kinds of client (a browser
session; a program with a bearer token, for /api/) are classes with the same three methods,
listed in ``CLIENT_KINDS``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter
from werkzeug.test import TestResponse

from spstories.core.vocabulary import Role
from spstories.services.reports import FORMATS
from spstories.storage.models.base import Base
from tests.conftest import PASSWORD, csrf_token
from tests.web.world import MARKER, Side, World

ANONYMOUS = "anonymous"
WHO = [ANONYMOUS, *(r.value for r in Role)]
PUBLIC = {"auth.login", "static"}
ENDS_SESSION = {"auth.logout"}  # allowed, and answers with the login page
# URL arguments that name a record of one organisation, and where the world keeps them.
SCOPED = {"client_id", "case_study_id", "feedback_id", "report_id", "project_id",
          "document_id", "coding_id", "key", "tag_id", "run_id", "job_id", "user_id", "token",
          "referral_id", "response_id", "token_id"}
# Arguments that are the same for every organisation (or only pick a view of a record).
PLAIN = {
    "codebook_id": lambda world: [world.codebook_id],
    "number": lambda world: [1],  # a report version / a topic (resolved per endpoint below)
    "kind": lambda world: ["clients"],
    "fmt": lambda world: list(FORMATS),
    "slug": lambda world: ["kpis", "sources", "outcomes", "joint", "discordance", "coverage",
                           "case_study_comparison"],
}
# Query strings some views need to show anything, and filters aimed at the other org.
QUERY = {
    "reports.diff": "?a=1&b=1",
    "clients.record_measure": "?instrument=swemwbs",
}
FILTERED = [  # (endpoint, url template): list and search pages asked for the other's data
    ("clients.index", "/clients/?q=ZEPHYR"),  # matches South's references, is none
    ("dashboard.index", "/dashboard/?organisation_id={other_org}&by=service"),
    ("dashboard.index", "/dashboard/?organisation_id={other_org}&by=link_worker"),
    ("dashboard.evidence", "/dashboard/evidence?organisation_id={other_org}"),
    ("dashboard.table_csv", "/dashboard/discordance.csv?organisation_id={other_org}"),
    ("reports.library", "/reports/evidence?organisation_id={other_org}&text=lantern"),
    ("reports.library", "/reports/evidence?audience=internal"),
    ("feedback.index", "/feedback/?limit=500"),
    ("case_studies.index", "/case-studies/?status=approved"),
    ("review.index", "/review/?state=&order=uncertain"),
    ("review.index", "/review/?state=accepted&document_type=case_study"),
    ("research.agreement", "/research/{project_id}/agreement?coder=1&coder=2&coder=3"),
    ("topics.index", "/topics/"),
    ("api.list_clients", "/api/v1/clients?organisation_id={other_org}"),
    # (A search for South's reference is in tests/web/api: its audit event would hold the
    # marker typed, which the audit log then rightly shows North's admin.)
    ("api.list_tags", "/api/v1/tags?limit=200&client_id={other_client}"),
    ("api.list_feedback", "/api/v1/feedback?limit=200"),
    ("api.list_case_studies", "/api/v1/case-studies?status=approved"),
    ("api.outcome_counts", "/api/v1/outcome-counts?organisation_id={other_org}"),
    ("api.outcome_counts", "/api/v1/outcome-counts?by=service"),
]


def service_refusal(endpoint: str, values: dict, role: str) -> int | None:
    """Refusals the services add to the views' roles: managers read research projects but
    their documents' text leaves only through researchers' exports."""
    if (endpoint == "research.export" and values.get("kind") in ("qdpx", "csv", "xlsx")
            and role == Role.MANAGER.value):
        return 403
    return None


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    url: str
    side: str  # "own", "other" (every record the other's) or "mixed" (own first record)
    values: dict

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint}, {self.side})"


def allowed_roles(app: Flask, endpoint: str) -> frozenset[str]:
    view = app.view_functions[endpoint]
    if getattr(view, "public", False):
        return frozenset(WHO)
    return frozenset(r.value for r in getattr(view, "allowed_roles", frozenset()))


def _ordered_arguments(rule: Rule) -> list[str]:
    return [name for _, name in rule._trace if name in rule.arguments]


def _scoped_value(world: World, side: Side, endpoint: str, name: str, role: str) -> object:
    if name == "token":
        step = {"imports.done": "done", "imports.error_report": "errors"}.get(endpoint, "pending")
        return side.tokens[step].get(role, side.tokens[step]["link_worker"])
    if name == "key":
        return side.code_key
    if name == "job_id" and endpoint == "imports.job":
        return side.import_jobs.get(role, side.import_jobs["link_worker"])
    if name == "token_id":
        return side.api_tokens.get(role, side.api_tokens["link_worker"])
    return side.ids[name]


def _plain_values(world: World, rule: Rule, name: str) -> list[object]:
    converter = rule._converters.get(name)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)
    if name == "number" and rule.endpoint.startswith("topics."):
        return [0]
    if name not in PLAIN:
        raise AssertionError(f"{rule.endpoint}: the matrix does not know the URL argument "
                             f"{name!r}; add it to SCOPED or PLAIN in tests/web/access_matrix.py")
    return PLAIN[name](world)


def cases(app: Flask, world: World, role: str, methods: tuple[str, ...]) -> Iterator[Case]:
    """Every request of the matrix for one role: each route x method x own/other/mixed."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in PUBLIC:
            continue
        args = _ordered_arguments(rule)
        scoped = [a for a in args if a in SCOPED]
        plain = [a for a in args if a not in SCOPED]
        sides = ["own"] + (["other"] if scoped else []) + (["mixed"] if len(scoped) > 1 else [])
        combos: list[dict] = [{}]
        for name in plain:
            combos = [{**c, name: v} for c in combos for v in _plain_values(world, rule, name)]
        for method in methods:
            if method not in rule.methods:
                continue
            for side in sides:
                for combo in combos:
                    values = dict(combo)
                    for i, name in enumerate(scoped):
                        source = world.own if side == "own" or (side == "mixed" and i == 0) \
                            else world.other
                        values[name] = _scoped_value(world, source, rule.endpoint, name, role)
                    url = rule.build(values, append_unknown=False)[1]
                    yield Case(rule.endpoint, method, url + QUERY.get(rule.endpoint, ""),
                               side, values)


def endpoints(app: Flask, client: Client, method: str, role: str, allowed: bool
              ) -> set[str]:
    """The endpoints this kind of client calls with ``method`` that ``role`` may (or may
    not) use: what a walk of the matrix must have reached."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint not in PUBLIC and method in rule.methods
            and client.handles(rule.rule)
            and (role in allowed_roles(app, rule.endpoint)) == allowed}


def filtered_cases(world: World) -> Iterator[Case]:
    fill = {"other_org": world.other.organisation_id,
            "other_client": world.other.ids["client_id"], **world.own.ids}
    for endpoint, template in FILTERED:
        yield Case(endpoint, "GET", template.format(**fill), "filter", {})


# --- kinds of client ------------------------------------------------------------------


class SessionClient:
    """A person in a browser: logged in through the login form, CSRF token on every POST."""

    kind = "session"

    def __init__(self, world: World, role: str) -> None:
        self.client: FlaskClient = world.app.test_client()
        page = self.client.get("/auth/login").get_data(as_text=True)
        self._token = csrf_token(page)
        if role != ANONYMOUS:
            response = self.client.post("/auth/login", data={
                "email": f"{role}@north.test", "password": PASSWORD, "csrf_token": self._token})
            assert response.status_code == 302, f"{role} could not log in"
            self._token = csrf_token(self.client.get("/").get_data(as_text=True))

    def handles(self, path: str) -> bool:
        return not path.startswith("/api/")

    def request(self, case: Case) -> TestResponse:
        data = {"csrf_token": self._token} if case.method == "POST" else None
        return self.client.open(case.url, method=case.method, data=data)

    def refused_anonymous(self, response: TestResponse) -> bool:
        return response.status_code == 302 and "/auth/login" in response.headers["Location"]


class TokenClient:
    """A program calling the API with a North user's bearer token (made with write access,
    so the role alone decides); anonymous sends none. JSON bodies, no session, no CSRF."""

    kind = "token"

    def __init__(self, world: World, role: str) -> None:
        self.client: FlaskClient = world.app.test_client()
        self._headers = ({} if role == ANONYMOUS
                         else {"Authorization": f"Bearer {world.api_secrets[role]}"})

    def handles(self, path: str) -> bool:
        return path.startswith("/api/")

    def request(self, case: Case) -> TestResponse:
        body = {} if case.method == "POST" else None
        return self.client.open(case.url, method=case.method, headers=self._headers, json=body)

    def refused_anonymous(self, response: TestResponse) -> bool:
        return (response.status_code == 401 and response.is_json
                and response.get_json()["error"] == "unauthorized")


CLIENT_KINDS = [SessionClient, TokenClient]
Client = SessionClient | TokenClient


def expected(app: Flask, case: Case, role: str) -> str:
    """"login", "ok" or "refused" for this role, from the views' declared roles."""
    if getattr(app.view_functions[case.endpoint], "public", False):
        return "ok"  # public pages hold no data (/healthz, the OpenAPI document)
    if role == ANONYMOUS:
        return "login"
    if role not in allowed_roles(app, case.endpoint):
        return "refused"
    if service_refusal(case.endpoint, case.values, role):
        return "refused"
    return "refused" if case.side in ("other", "mixed") else "ok"


def verdict(client: Client, case: Case, outcome: str, response: TestResponse
            ) -> str | None:
    """What is wrong with the response, or None."""
    status = response.status_code
    if outcome == "login":
        return None if client.refused_anonymous(response) else f"anonymous got {status}"
    if outcome == "refused":
        return None if status in (403, 404) else f"expected 403 or 404, got {status}"
    if status in (403, 404, 405) or status >= 500:
        return f"expected to be allowed, got {status}"
    if (status == 302 and "/auth/login" in response.headers.get("Location", "")
            and case.endpoint not in ENDS_SESSION):
        return "sent to the login page"
    return None


# --- what every response is checked for ----------------------------------------------


def texts_of(response: TestResponse) -> list[str]:
    """The readable text of a response, and of every file inside a zip (xlsx, docx, qdpx),
    and a PDF's text."""
    data = response.get_data()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    if data.startswith(b"%PDF"):
        reader = PdfReader(io.BytesIO(data))
        return [page.extract_text() or "" for page in reader.pages]
    return [data.decode("utf-8", "replace")]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


# Counts in API answers (outcome counts, pages): South's client count in one is a leak.
_COUNT_KEYS = {"clients", "clients_with_narrative", "human_confirmed", "machine_only", "total"}


def _json_leaks(world: World, value: object, key: str = "") -> Iterator[str]:
    """The other organisation's id as an organisation, or its client count as a count."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _json_leaks(world, item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _json_leaks(world, item, key)
    elif isinstance(value, int) and not isinstance(value, bool):
        theirs = key in ("organisation_id", "organisation_ids") \
            and value == world.other.organisation_id
        if theirs or (key in _COUNT_KEYS and value in world.south_counts):
            yield f"{key}={value}"


def leaks(world: World, response: TestResponse, typed: Iterable[str] = ()) -> list[str]:
    """Anything of the other organisation's in the response: a marker, or a count of
    clients that only the other organisation's records can make (in a page's text or an
    API answer's counts), or the other organisation's id in an API answer. What the caller
    ``typed`` may be shown back; so may an API answer's own address (its ``links``)."""
    found = []
    answer = json.loads(response.get_data()) if response.is_json else None
    if isinstance(answer, dict):
        answer.pop("links", None)
    contents = [json.dumps(answer, ensure_ascii=False)] if response.is_json \
        else texts_of(response)
    for content in contents:
        for echo in typed:
            content = content.replace(echo, "")
        found += [m.group(0) for m in MARKER.finditer(content)]
        if response.mimetype == "text/html":
            numbers = "|".join(str(n) for n in world.south_counts)
            found += re.findall(rf"(?<![\w.:/-])(?:{numbers})(?![\w.:%/-])", _page_text(content))
    if response.is_json:
        found += list(_json_leaks(world, answer))
    return found


_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}


class _Markup(HTMLParser):
    """Everything a Content Security Policy without 'unsafe-inline' would block, and any
    markup that could run script: inline scripts and styles, event handlers, script URLs."""

    def __init__(self, download: bool) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in: str | None = None
        self._download = download  # a standalone file: its own stylesheet is inline

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append("inline <script>")
        if tag in ("script", "style"):
            self._in = tag
        if tag == "style" and not self._download:
            self.problems.append("inline <style>")
        if tag in ("iframe", "object", "embed", "base", "frame", "applet"):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta refresh>")
        for name, value in attrs:
            url = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            elif name == "style":
                self.problems.append(f"<{tag} style=...>")
            elif name in _URL_ATTRIBUTES and url.startswith(("javascript:", "vbscript:", "data:")) \
                    and not (tag == "img" and url.startswith("data:image/")):
                self.problems.append(f"<{tag} {name}={value[:40]}>")

    def handle_data(self, data: str) -> None:
        if self._in == "script" and data.strip():
            self.problems.append("script with inline code")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None


def live_markup(response: TestResponse) -> list[str]:
    """Markup that could run script in an HTML page (template injection included)."""
    if response.mimetype != "text/html":
        return []
    html = response.get_data(as_text=True)
    checker = _Markup("attachment" in response.headers.get("Content-Disposition", ""))
    checker.feed(html)
    return checker.problems + (["template evaluated: tmpl49"] if "tmpl49" in html else [])


# --- the database, to prove a refused request changed nothing ------------------------


# What a refused request may still write: its audit events (a use of a token, a view), and
# a token's last use (services/tokens.py). Any change it made would show in other tables.
BOOKKEEPING = {"api_tokens": {"last_used_at"}, "audit_events": None, "audit_chain": None}


def fingerprint(session: Session) -> dict[str, int]:
    """A hash of every row of every table: equal before and after means nothing changed."""
    session.rollback()  # see what other connections committed
    result = {}
    for table in Base.metadata.sorted_tables:
        skip = BOOKKEEPING.get(table.name, set())
        if skip is None:
            continue
        columns = [c for c in table.columns if c.name not in skip]
        rows = session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        result[table.name] = hash(repr(rows))
    return result


def changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])



# --- the policy, written down for review ---------------------------------------------

POLICY = "docs/access.md"


def policy_markdown(app: Flask) -> str:
    """Who may use each route, from the views' declared roles, as the page in docs/."""
    roles = [r.value for r in Role]
    lines = [
        "# Who may use what",
        "",
        "Generated from the roles each view declares (`@roles`, `@any_role`, `@public` in",
        "`spstories/web/access.py`) by `python -m tests.web.access_matrix`; a test fails when",
        "this page and the code disagree, so every change of access is seen in review.",
        "Every route refuses the roles not ticked (403) and other organisations' records",
        "(404); `tests/web/test_access_matrix.py` checks both for every route and role.",
        "Managers read research projects but download only their codebook, never documents'",
        "text (qdpx, csv, xlsx exports are refused by the service).",
        "`/api/v1/` routes take a personal API token (`Authorization: Bearer`), never the",
        "session: without one they answer 401; a token can do what its user's role ticks here",
        "(writes also need a token made with write access). The matrix walks them with a token",
        "of each role.",
        "",
        "| route | methods | " + " | ".join(roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static":
            continue
        allowed = allowed_roles(app, rule.endpoint)
        methods = ", ".join(sorted(rule.methods - {"HEAD", "OPTIONS"}))
        marks = " | ".join("public" if rule.endpoint in PUBLIC else "✓" if r in allowed else ""
                           for r in roles)
        lines.append(f"| `{rule.rule}` | {methods} | {marks} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from pathlib import Path

    from spstories.web import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "policy"})
    Path(POLICY).write_text(policy_markdown(app))
    app.extensions["spstories.jobs"].shutdown()
    print(f"wrote {POLICY}")
