"""Every page that shows client data, and every download, leaves an audit event: one walk
over the app's routes, so a new page cannot forget (it must be classified below)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from sqlalchemy import select

from spstories.services import tokens
from spstories.services.case_studies import CaseStudyInput, save_draft
from spstories.storage.models import AuditEvent, MeasureResponse, User
from tests.client_data import Made, make_client
from tests.web.test_imports import guessed, map_path, upload

Url = Callable[[Made, dict], str]

# endpoint -> (role, address, action, whether the event names the client)
RECORDS: dict[str, tuple[str, Url, str, bool]] = {
    "clients.timeline": ("link_worker", lambda d, x: f"/clients/{d.client.id}", "client.view",
                         True),
    "clients.record_measure": ("link_worker", lambda d, x: f"/clients/{d.client.id}/measures/"
                               "new?instrument=swemwbs", "client.view", True),
    "client_rights.erase": ("manager", lambda d, x: f"/clients/{d.client.id}/erase",
                            "client.view", True),
    "case_studies.view": ("link_worker", lambda d, x: f"/case-studies/{d.case_study.id}",
                          "case_study.view", True),
    "case_studies.edit": ("link_worker", lambda d, x: f"/case-studies/{x['draft']}/edit",
                          "case_study.view", True),
    "feedback.view": ("link_worker", lambda d, x: f"/feedback/{d.feedback.id}",
                      "feedback.view", True),
    "review.document": ("manager", lambda d, x: f"/review/tags/{x['feedback_tag']}/document",
                        "feedback.view", True),
    "research.document": ("researcher", lambda d, x: f"/research/{d.project.id}/documents/"
                          f"{x['document']}", "research.document.view", True),
    "reports.view": ("manager", lambda d, x: f"/reports/{d.report.id}", "report.view", False),
    "reports.edit": ("manager", lambda d, x: f"/reports/{d.report.id}/edit", "report.view",
                     False),
    "reports.deid": ("manager", lambda d, x: f"/reports/{d.report.id}/v/1/deid", "report.view",
                     False),
    "reports.diff": ("manager", lambda d, x: f"/reports/{d.report.id}/diff?a=1&b=1",
                     "report.view", False),
    "topics.view": ("researcher", lambda d, x: f"/topics/runs/{d.run.id}", "topics.view",
                    False),
    "topics.promote": ("researcher", lambda d, x: f"/topics/runs/{d.run.id}/topics/0/promote",
                       "topics.view", False),
    "codebooks.view": ("link_worker", lambda d, x: f"/codebooks/{x['draft_codebook']}",
                       "codebook.view", False),
    "research.project": ("manager", lambda d, x: f"/research/{d.project.id}",
                         "research.project.view", False),
    "research.retrieve": ("manager", lambda d, x: f"/research/{d.project.id}/codes/"
                          f"{d.project.codes[0].key}", "research.code.view", False),
    "research.agreement": ("manager", lambda d, x: f"/research/{d.project.id}/agreement",
                           "research.agreement.view", False),
}
# Lists and searches: one event with what was asked for and how many rows were shown.
LISTS: dict[str, tuple[str, str, str]] = {
    "clients.index": ("link_worker", "/clients/?q=SAR", "client.list"),
    "case_studies.index": ("link_worker", "/case-studies/", "case_study.list"),
    "feedback.index": ("link_worker", "/feedback/", "feedback.list"),
    "review.index": ("manager", "/review/", "tag.list"),
    "reports.library": ("manager", "/reports/evidence", "evidence.list"),
    "reports.new": ("manager", "/reports/new", "evidence.list"),
    "dashboard.index": ("manager", "/dashboard/", "dashboard.view"),
    "dashboard.evidence": ("manager", "/dashboard/evidence", "evidence.list"),
    "audit.index": ("admin", "/admin/audit/", "audit.view"),
}
DOWNLOADS: dict[str, list[tuple[str, Url, str]]] = {
    "dashboard.table_csv": [("manager", lambda d, x: "/dashboard/kpis.csv", "dashboard.export")],
    "reports.export": [("manager", lambda d, x: f"/reports/{d.report.id}/v/1/export/md",
                        "report.export")],
    "research.export": [
        ("researcher", lambda d, x, k=kind: f"/research/{d.project.id}/export/{k}", action)
        for kind, action in (("qdpx", "research.export.qdpx"),
                             ("csv", "research.export.segments"),
                             ("xlsx", "research.export.segments"),
                             *((k, "research.export.codebook")
                               for k in ("qdc", "yaml", "md", "html")))],
    "imports.error_report": [("link_worker", lambda d, x: f"{x['import']}/errors.csv",
                              "import.errors.download")],
    "audit.export": [("admin", lambda d, x: "/admin/audit/export.csv", "audit.export")],
    "audit.verify": [("admin", lambda d, x: "/admin/audit/verify", "audit.verify")],
}
NO_CLIENT_DATA = {
    "static": "the app's own files",
    "auth.login": "the login page",
    "home.index": "counts only",
    "admin.users": "staff accounts",
    "admin.new_user": "staff accounts",
    "admin.edit_user": "staff accounts",
    "clients.new": "a blank form",
    "case_studies.new": "a blank form (offers client references to choose from)",
    "feedback.new": "a blank form (offers client references to choose from)",
    "feedback.paste": "a blank form (offers client references to choose from)",
    "codebooks.index": "the list of codebook versions",
    "imports.upload": "a blank form",
    "imports.template": "blank templates",
    "imports.mapping": "the user's own upload, not yet records",
    "imports.done": "counts of what the user imported",
    "jobs.view": "progress of background work",
    "jobs.status": "progress of background work",
    "reports.index": "report titles",
    "research.index": "project names",
    "research.codebook": "a project's codes and counts",
    "research.colours": "a style sheet",
    "review.agreement": "figures per code",
    "topics.index": "the list of runs",
    "health.healthz": "the service's health",
    "jobs.index": "progress of background work",
    "imports.job": "progress of the user's own upload, not yet records",
    "exports.sp_standard": "a form (the download, a POST, is audited as export.sp_standard)",
    "tokens.index": "the user's own API tokens",
    "tokens.api_reference": "the API's documentation",
    "api.openapi_document": "the API's description",
    "api.me": "the token's own account",
    "api.organisations": "the names of the user's organisations",
}
# API reads: one api.read event with the token, naming the client when all is about one.
API_READS: dict[str, tuple[Url, bool]] = {
    "api.list_clients": (lambda d, x: "/clients?reference=SAR-1", True),
    "api.get_client": (lambda d, x: f"/clients/{d.client.id}", True),
    "api.list_referrals": (lambda d, x: f"/referrals?client_id={d.client.id}", True),
    "api.get_referral": (lambda d, x: f"/referrals/{x['referral']}", True),
    "api.list_case_studies": (lambda d, x: f"/case-studies?client_id={d.client.id}", True),
    "api.get_case_study": (lambda d, x: f"/case-studies/{d.case_study.id}", True),
    "api.list_feedback": (lambda d, x: f"/feedback?client_id={d.client.id}", True),
    "api.get_feedback": (lambda d, x: f"/feedback/{d.feedback.id}", True),
    "api.list_measure_responses": (lambda d, x: f"/measure-responses?client_id={d.client.id}",
                                   True),
    "api.get_measure_response": (lambda d, x: f"/measure-responses/{x['response']}", True),
    "api.list_tags": (lambda d, x: f"/tags?client_id={d.client.id}", True),
    "api.get_tag": (lambda d, x: f"/tags/{x['feedback_tag']}", True),
    "api.outcome_counts": (lambda d, x: "/outcome-counts", False),
}


def _get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def test_every_page_is_classified(app):
    classified = {*RECORDS, *LISTS, *DOWNLOADS, *NO_CLIENT_DATA, *API_READS}
    unknown = _get_endpoints(app) - classified
    assert not unknown, (f"classify {sorted(unknown)} in {__name__}: does the page show client "
                         "data (then record an audit event, see spstories.web.auditing)?")
    assert classified <= _get_endpoints(app)


@pytest.fixture
def made(db, orgs, users, app, tmp_path, auth, client):
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path / "uploads")
    d = make_client(db, orgs["north"], users, "ZEBRAQUILL", "SAR-1")
    draft = save_draft(db, users["link_worker"], CaseStudyInput(
        organisation_id=orgs["north"].id, client_reference="SAR-1", narrative="A draft."))
    db.commit()
    auth.login("link_worker@north.test")
    path = map_path(upload(auth, orgs["north"], b"Client ID,Age group\nC9,ancient\n"))
    auth.post(path, guessed(client, path))
    auth.logout()
    feedback_tag = next(t for t in d.tags if t.feedback_id)
    document = db.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "research.document.add")).first()
    draft_codebook = db.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "topics.promote")).one()
    extra = {"draft": draft.id, "feedback_tag": feedback_tag.id, "document": document,
             "import": path, "draft_codebook": draft_codebook,
             "referral": d.client.referrals[0].id,
             "response": db.scalars(select(MeasureResponse.id).where(
                 MeasureResponse.client_id == d.client.id)).first()}
    return d, extra


def _visit(client, auth, db, users, role, url):
    auth.login(users[role].email)
    last = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    events = db.scalars(select(AuditEvent).where(AuditEvent.id > last)
                        .order_by(AuditEvent.id)).all()
    auth.logout()
    return response, events


def test_each_view_list_and_download_records_who_saw_what(client, auth, db, users, made):
    d, extra = made
    for endpoint, (role, url, action, names_client) in RECORDS.items():
        _response, events = _visit(client, auth, db, users, role, url(d, extra))
        assert [e.action for e in events] == [action], endpoint
        event = events[0]
        assert event.user_id == users[role].id and event.details["page"] == endpoint
        assert event.object_type is not None, endpoint
        if names_client:
            assert event.client_id == d.client.id, endpoint
    for endpoint, (role, url, action) in LISTS.items():
        _response, events = _visit(client, auth, db, users, role, url)
        assert [(e.action, e.details["page"]) for e in events] == [(action, endpoint)]
        assert "shown" in events[0].details or action in ("dashboard.view", "audit.view")
    for endpoint, visits in DOWNLOADS.items():
        for role, url, action in visits:
            _response, events = _visit(client, auth, db, users, role, url(d, extra))
            assert [e.action for e in events] == [action], (endpoint, url(d, extra))
            assert events[0].user_id == users[role].id


def test_each_api_read_records_the_token_and_the_client(client, db, users, made):
    d, extra = made
    secret = tokens.create_token(db, users["manager"], "warehouse").secret
    db.commit()
    for endpoint, (url, names_client) in API_READS.items():
        last = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
        response = client.get(f"/api/v1{url(d, extra)}",
                              headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200, (endpoint, response.get_json())
        events = db.scalars(select(AuditEvent).where(
            AuditEvent.id > last, AuditEvent.action != "api_token.use")).all()
        assert [e.action for e in events] == ["api.read"], endpoint
        assert events[0].user_id == users["manager"].id and events[0].details["token_id"]
        assert events[0].client_id == (d.client.id if names_client else None), endpoint


def test_api_token_use_and_refusals_are_in_the_trail(client, db, users):
    made = tokens.create_token(db, users["manager"], "warehouse")
    db.commit()
    for secret in (made.secret, made.secret, "spst_not-a-real-one", "Basic abc"):
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    tokens.revoke_token(db, made.token, actor=users["manager"])
    db.commit()
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {made.secret}"})
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("api_token.%"))
                        .order_by(AuditEvent.id)).all()
    assert [(e.action, e.details.get("reason")) for e in events] == [
        ("api_token.create", None),
        ("api_token.use", None),  # once: the last use is noted at most once a minute
        ("api_token.refused", "unknown"), ("api_token.refused", "not an spstories token"),
        ("api_token.revoke", None), ("api_token.refused", "revoked")]
    assert events[1].object_id == made.token.id and events[1].user_id == users["manager"].id
    assert events[-1].user_id == users["manager"].id
    assert all(made.secret not in str(e.details) for e in events)


def test_lists_record_the_search_not_the_clients_words(client, auth, db, users, made):
    _response, events = _visit(client, auth, db, users, "manager",
                               "/reports/evidence?text=lonely&code=&polarity=")
    (event,) = events
    assert event.details["text_search"] is True
    assert "lonely" not in str(event.details)
    _response, (event,) = _visit(client, auth, db, users, "link_worker", "/clients/?q=SAR")
    assert (event.details["search"], event.details["shown"]) == ("SAR", 1)


def test_subject_access_download_from_the_client_page(client, auth, db, users, orgs, made):
    d, _extra = made
    auth.login("manager@north.test")
    page = client.get(f"/clients/{d.client.id}").get_data(as_text=True)
    assert "Download everything held (subject access)" in page
    response = auth.post(f"/clients/{d.client.id}/subject-access", {},
                         form_path=f"/clients/{d.client.id}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert any(n.endswith("/summary.html") for n in names)
    assert db.scalar(select(AuditEvent.client_id).where(
        AuditEvent.action == "client.subject_access")) == d.client.id
    auth.logout()
    auth.login("link_worker@north.test")
    assert "subject access" not in client.get(f"/clients/{d.client.id}").get_data(as_text=True)
    assert auth.post(f"/clients/{d.client.id}/subject-access", {},
                     form_path="/clients/").status_code == 403


def test_erasure_from_the_web_needs_the_reference_typed(client, auth, db, users, orgs, made):
    d, _extra = made
    south = User(email="m@south.test", name="south manager", role="manager", password_hash="x")
    south.organisations = [orgs["south"]]
    db.add(south)
    db.commit()
    auth.login("manager@north.test")
    url = f"/clients/{d.client.id}/erase"
    page = client.get(url).get_data(as_text=True)
    assert "Type the client's reference" in page and "exported with this client" in page
    wrong = auth.post(url, {"reference": "SAR-2"}).get_data(as_text=True)
    assert "exactly to confirm the erasure. Nothing was erased." in wrong
    response = auth.post(url, {"reference": "SAR-1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/clients/")
    followed = client.get("/clients/").get_data(as_text=True)
    assert "Client SAR-1 and everything held about them were erased" in followed
    assert "deal with copies outside spstories by hand" in followed
    assert client.get(url).status_code == 404
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "client.erase"))
    assert event.user_id == users["manager"].id and event.details["reference"] == "SAR-1"
