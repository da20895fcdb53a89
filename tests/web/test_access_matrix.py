"""Every route x every role x own or other organisation, on one shared two-organisation
world (tests/web/world.py): what is not allowed answers 403 or 404 and changes nothing,
and no response to a North user (page, download, error) holds anything of South's or any
markup that could run script. The rules come from the views' declared roles
(tests/web/access_matrix.py)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy.orm import Session

from spstories.storage.db import make_engine, make_session_factory
from tests.web import access_matrix as matrix

KINDS = {kind.kind: kind for kind in matrix.CLIENT_KINDS}


@pytest.fixture(scope="module")
def observer(world) -> Session:
    engine = make_engine(world.url)
    session = make_session_factory(engine)()
    yield session
    session.close()
    engine.dispose()


def _check(world, client, case, role, problems):
    response = client.request(case)
    outcome = matrix.expected(world.app, case, role)
    wrong = matrix.verdict(client, case, outcome, response)
    if wrong:
        problems.append(f"{role}: {case}: {wrong}")
    if role != matrix.ANONYMOUS and (leaked := matrix.leaks(world, response)):
        problems.append(f"{role}: {case}: shows the other organisation's {leaked[:3]}")
    if markup := matrix.live_markup(response):  # error pages and redirects included
        problems.append(f"{role}: {case}: live markup {sorted(set(markup))[:4]}")
    return response, outcome


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", matrix.WHO)
def test_every_page_and_download(world, kind, role):
    """GET every route (and the list pages filtered towards the other organisation)."""
    client = KINDS[kind](world, role)
    problems: list[str] = []
    checked = set()
    for case in [*matrix.cases(world.app, world, role, ("GET",)), *matrix.filtered_cases(world)]:
        if client.handles(case.url):
            _check(world, client, case, role, problems)
            checked.add(case.endpoint)
    every = set().union(*(matrix.endpoints(world.app, client, "GET", role, allowed)
                          for allowed in (True, False)))
    assert every and checked == every
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", matrix.WHO)
def test_every_refused_change_is_refused_and_changes_nothing(world, observer, kind, role):
    """POST to every route the role may not use, and to every route it may use with the
    other organisation's ids: 403 or 404 (or the login page), and the database unchanged."""
    client = KINDS[kind](world, role)
    problems: list[str] = []
    refused = set()
    for case in matrix.cases(world.app, world, role, ("POST",)):
        if not client.handles(case.url) or matrix.expected(world.app, case, role) == "ok":
            continue
        before = matrix.fingerprint(observer)
        _check(world, client, case, role, problems)
        if moved := matrix.changed(before, matrix.fingerprint(observer)):
            problems.append(f"{role}: {case}: changed {moved}")
        refused.add(case.endpoint)
    # Every route the role may not use was tried (the API's two writes are open to link
    # workers and managers, who have nothing to be refused there but other organisations'
    # ids in the body: test_the_other_organisations_ids_in_an_api_body_are_refused).
    assert refused >= matrix.endpoints(world.app, client, "POST", role, allowed=False)
    assert refused or kind == "token"
    assert not problems, "\n".join(problems)


def _last(case):
    # Removing a coding, and logging out, go last: the other requests need what they end.
    return ("/remove" in case.url, case.endpoint == "auth.logout")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", matrix.WHO[1:])
def test_every_allowed_change_gets_past_the_access_check(world, kind, role):
    """POST, with only a CSRF token, to every route the role may use on its own records:
    never 403/404/405/500 (the forms then refuse the empty input, which changes little)."""
    client = KINDS[kind](world, role)
    problems: list[str] = []
    allowed = [c for c in matrix.cases(world.app, world, role, ("POST",))
               if client.handles(c.url) and matrix.expected(world.app, c, role) == "ok"]
    for case in sorted(allowed, key=_last):
        _check(world, client, case, role, problems)
    assert {c.endpoint for c in allowed} == matrix.endpoints(world.app, client, "POST", role,
                                                             allowed=True)
    assert allowed or kind == "token"  # researchers and admins write nothing through the API
    assert not problems, "\n".join(problems)


def test_the_matrix_covers_every_route(world):
    """Every rule of the URL map gives at least one case for a role it allows."""
    covered = {c.endpoint for role in matrix.WHO[1:]
               for c in matrix.cases(world.app, world, role, ("GET", "POST"))}
    every = {r.endpoint for r in world.app.url_map.iter_rules()} - matrix.PUBLIC
    assert every <= covered


def test_the_checks_themselves_catch_leaks_and_live_markup(world):
    from werkzeug.wrappers import Response

    def page(html):
        return Response(html, mimetype="text/html")

    south = world.south_counts[0]
    assert matrix.leaks(world, page("<p>QB-ZEPHYR-001</p>"))
    assert matrix.leaks(world, page(f"<td>{south}</td>"))
    assert matrix.leaks(world, page(f"<p>{south} clients</p>"))
    assert not matrix.leaks(world, page(f'<td>12:{south}</td><a href="/x/{south}">x</a>'))
    assert not matrix.leaks(world, page(f"<code>spst_Qx{south}b…</code>"))  # random text
    for bad in ('<img src=x onerror="alert(1)">', "<script>alert(1)</script>",
                '<a href=" JaVaScRiPt:alert(1)">x</a>', '<p style="color:red">x</p>',
                "<p>tmpl49</p>", "<iframe src=/x></iframe>"):
        assert matrix.live_markup(page(bad)), bad
    assert not matrix.live_markup(page('<script src="/static/app.js"></script>'
                                       "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"))

    def answer(data):
        return Response(json.dumps({"data": data}), mimetype="application/json")

    other = world.other.organisation_id
    assert matrix.leaks(world, answer([{"id": 1, "organisation_id": other}]))
    assert matrix.leaks(world, answer({"organisation_ids": [world.own.organisation_id, other]}))
    assert matrix.leaks(world, answer({"outcomes": [{"code": "x", "clients": south}]}))
    assert matrix.leaks(world, answer({"reference": "QB-ZEPHYR-001"}))
    assert not matrix.leaks(world, answer([{"id": other, "client_id": south, "start": south,
                                            "organisation_id": world.own.organisation_id}]))


def test_the_written_policy_is_the_one_the_code_declares(world):
    """docs/access.md lists who may use each route; a change of a view's roles must change
    it too (`python -m tests.web.access_matrix`), so it is reviewed, not slipped in."""
    from pathlib import Path

    written = (Path(__file__).resolve().parents[2] / matrix.POLICY).read_text()
    assert written == matrix.policy_markdown(world.app), (
        "docs/access.md is out of date: run `.venv/bin/python -m tests.web.access_matrix`")


# Forms that take record or organisation ids in their fields, posted with the other
# organisation's: each must be refused (a 404, or the form's own error) and change nothing.
BODY_IDS = [
    ("link_worker", "/clients/new", lambda o, w: {
        "organisation_id": o.organisation_id, "reference": "X-1", "referred_on": "2026-01-05",
        "source": "gp"}),
    ("link_worker", "/feedback/new", lambda o, w: {
        "organisation_id": o.organisation_id, "source": "client", "channel": "survey",
        "text": "Less lonely now."}),
    ("link_worker", "/feedback/new", lambda o, w: {
        "organisation_id": w.own.organisation_id, "source": "client", "channel": "survey",
        "text": "Less lonely now.", "client_reference": "QB-ZEPHYR-001"}),
    ("link_worker", "/case-studies/new", lambda o, w: {
        "organisation_id": w.own.organisation_id, "client_reference": "QB-ZEPHYR-001",
        "title": "t", "narrative": "n", "action": "submit"}),
    ("link_worker", "/imports/", lambda o, w: {"kind": "clients",
                                               "organisation": o.organisation_id}),
    ("manager", "/reports/new", lambda o, w: {
        "title": "t", "audience": "internal", "organisations": [str(o.organisation_id)]}),
    ("manager", "/reports/new", lambda o, w: {
        "title": "t", "audience": "internal", "organisations": [str(w.own.organisation_id)],
        "quotes": [str(o.ids["tag_id"])], "case_studies": [str(o.ids["case_study_id"])]}),
    ("researcher", "/research/{project_id}/documents", lambda o, w: {
        "case_study": [str(o.ids["case_study_id"])]}),
    ("researcher", "/research/{project_id}/documents", lambda o, w: {
        "feedback": [str(o.ids["feedback_id"])]}),
    ("researcher", "/research/{project_id}/memos", lambda o, w: {
        "text": "m", "document_id": o.ids["document_id"]}),
    ("researcher", "/research/{project_id}/settle", lambda o, w: {
        "document_id": o.ids["document_id"], "code_key": o.code_key, "start": 0, "end": 5,
        "decision": "agree"}),
    ("researcher", "/topics/", lambda o, w: {
        "organisation": o.organisation_id, "codebook": w.codebook_id, "level": "sentence",
        "kinds": ["feedback"], "min_topic_size": 2, "seed": 1}),
    ("admin", "/admin/users/new", lambda o, w: {
        "email": "x@north.test", "name": "X", "role": "link_worker",
        "organisations": [o.organisation_id], "password": "violet kettle orbit"}),
    ("admin", "/admin/users/{user_id}", lambda o, w: {
        "email": "link_worker@north.test", "name": "lw", "role": "link_worker",
        "organisations": [o.organisation_id], "active": "y"}),
]


@pytest.mark.parametrize(("role", "path", "body"), BODY_IDS,
                         ids=[f"{r}-{p}-{i}" for i, (r, p, _) in enumerate(BODY_IDS)])
def test_the_other_organisations_ids_in_a_form_are_refused(world, observer, role, path, body):
    client = matrix.SessionClient(world, role)
    before = matrix.fingerprint(observer)
    url = path.format(**world.own.ids)
    data = {"csrf_token": client._token, **body(world.other, world)}
    response = client.client.post(url, data=data, follow_redirects=True)
    assert response.status_code in (200, 404), response.status_code
    assert matrix.changed(before, matrix.fingerprint(observer)) == []
    typed = data.get("client_reference")
    if typed is None:
        assert not matrix.leaks(world, response)
        return
    # The form shows back what was typed; otherwise the page must be exactly the one a
    # reference that exists nowhere gets, so it cannot tell that South has this client.
    made_up = client.client.post(url, data={**data, "client_reference": "QB-ZEPHYR-999"})

    def shown(page, reference):
        html = page.get_data(as_text=True).replace(reference, "REF")
        html = re.sub(r"[\w-]{20,}\.[\w-]+\.[\w-]+", "CSRF", html)  # signed, timed tokens
        return re.sub(r'(draft_key" type="hidden" value=)"[0-9a-f]*"', r"\1", html)

    assert shown(response, typed) == shown(made_up, "QB-ZEPHYR-999")
    assert not matrix.MARKER.search(shown(response, typed))


API_BODY_IDS = [
    ("/api/v1/clients", lambda o, w: {
        "organisation_id": o.organisation_id, "reference": "X-API-1",
        "referral": {"referred_on": "2026-01-05", "source": "gp"}}),
    ("/api/v1/feedback", lambda o, w: {
        "organisation_id": o.organisation_id, "source": "client", "channel": "email",
        "received_on": "2026-01-05", "text": "Less lonely now."}),
    ("/api/v1/feedback", lambda o, w: {
        "organisation_id": w.own.organisation_id, "source": "client", "channel": "email",
        "received_on": "2026-01-05", "text": "Less lonely now.",
        "client_reference": "QB-ZEPHYR-001"}),
]


@pytest.mark.parametrize("role", ["link_worker", "manager"])
@pytest.mark.parametrize(("path", "body"), API_BODY_IDS,
                         ids=[f"{p}-{i}" for i, (p, _) in enumerate(API_BODY_IDS)])
def test_the_other_organisations_ids_in_an_api_body_are_refused(world, observer, role, path,
                                                                 body):
    """An API write naming another organisation, or its client, is refused with the answer
    a made-up one gets, and changes nothing."""
    client = matrix.TokenClient(world, role)
    before = matrix.fingerprint(observer)
    data = body(world.other, world)
    response = client.client.post(path, json=data, headers=client._headers)
    assert response.status_code == 422, response.get_json()
    assert matrix.changed(before, matrix.fingerprint(observer)) == []
    typed = data.get("client_reference")
    assert not matrix.leaks(world, response, [typed] if typed else [])
    if typed:  # shown back as typed, and otherwise the answer a made-up reference gets
        made_up = {**data, "client_reference": "QB-ZEPHYR-999"}
        answer = client.client.post(path, json=made_up, headers=client._headers)
        assert response.get_data(as_text=True).replace(typed, "REF") == answer.get_data(
            as_text=True).replace("QB-ZEPHYR-999", "REF")
    else:  # as for an organisation that does not exist
        made_up = {**data, "organisation_id": 2**31 - 1}
        answer = client.client.post(path, json=made_up, headers=client._headers)
        assert response.get_json() == answer.get_json()
