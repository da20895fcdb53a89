"""A database with two organisations and something of every kind in each, for the
access-control matrix and the stored-XSS checks.

North ("own") is filled **through the web forms** by North's users, with real XSS payloads
in every free-text field, so the pages that show them can be checked for live markup.
South ("other") is filled **through the services**, with distinctive markers in every name,
reference, quote and title, and a client count no North figure can reach, so any page,
export or API response a North user gets can be searched for anything of South's.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spstories.core.topics.model import TopicParams
from spstories.core.vocabulary import ConsentLevel, Role
from spstories.services import (
    case_studies,
    clients,
    evidence,
    feedback,
    measures,
    research,
    research_coding,
    review,
    tokens,
)
from spstories.services import reports as report_service
from spstories.services.accounts import create_organisation, create_user
from spstories.services.codebooks import latest_version
from spstories.services.jobs import create_job
from spstories.services.report_content import ReportFilters
from spstories.services.topics import create_run
from spstories.storage.models import (
    CaseStudy,
    Client,
    Coding,
    Feedback,
    MeasureResponse,
    Organisation,
    ProjectDocument,
    Referral,
    Report,
    ResearchProject,
    Tag,
    Topic,
    User,
)
from tests.conftest import PASSWORD, csrf_token

ROLES = [r.value for r in Role]

# Real payloads, in the spirit of OWASP's filter-evasion cheat sheet.
PAYLOADS = [
    "<script>alert('xss1')</script>",
    "<ScRiPt>alert(2)</sCrIpT>",
    "<img src=x onerror=alert(3)>",
    "<IMG SRC=\"jav&#x09;ascript:alert(4);\">",
    "<svg/onload=alert(5)>",
    "<svg><script>alert(6)</script></svg>",
    "<body onload=alert(7)>",
    "<iframe src=\"javascript:alert(8)\"></iframe>",
    "<a href=\"jAvAsCrIpT:alert(9)\">click</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=\">d</a>",
    "<details open ontoggle=alert(11)>",
    "<div style=\"background:url(javascript:alert(12))\">s</div>",
    "<p style=\"width: expression(alert(13))\">e</p>",
    "\"><script>alert(14)</script>",
    "'><img src=x onerror=alert(15)>",
    "&lt;script&gt;alert(16)&lt;/script&gt;",
    "&#60;script&#62;alert(17)&#60;/script&#62;",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(18)>",
    "<object data=\"javascript:alert(19)\"></object>",
    "<embed src=\"javascript:alert(20)\">",
    "<form action=\"javascript:alert(21)\"><button>go</button></form>",
    "<input autofocus onfocus=alert(22)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(23)\">",
    "<base href=\"javascript:alert(24)//\">",
    "[click me](javascript:alert(25))",
    "[data](data:text/html,<script>alert(26)</script>)",
    "![img](x\" onerror=\"alert(27))",
    "<javascript:alert(28)>",
    "[ref][r]\n\n[r]: javascript:alert(29)",
    "tmpl{{7*7}} tmpl${7*7} tmpl<%= 7*7 %> tmpl{{config}}",
]
SHORT = [p for p in PAYLOADS if len(p) <= 60]
ALL_PAYLOADS = "\n\n".join(PAYLOADS)

# Everything of South's carries one of these; none may reach a North user.
MARKERS = ("QUILLMARK", "QB-ZEPHYR", "Quillbrook", "Fairweather")
MARKER = re.compile("|".join(MARKERS), re.IGNORECASE)
SOUTH_CLIENTS = 43  # North has 4: neither 43 nor 47 may appear as a count to North
NORTH_CLIENTS = 4
STORY = ("She had felt very isolated for years. Since joining the walking group she is much "
         "less lonely and has made new friends. She now feels more confident.")


@dataclass
class Side:
    """One organisation's records: ids the matrix puts into URLs."""

    organisation_id: int = 0
    ids: dict[str, int] = field(default_factory=dict)
    code_key: str = ""
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # import step -> role
    api_tokens: dict[str, int] = field(default_factory=dict)  # role -> a revocable token's id
    import_jobs: dict[str, int] = field(default_factory=dict)  # role -> its background import


@dataclass
class World:
    app: Flask
    url: str
    own: Side
    other: Side
    users: dict[str, int]  # role -> North user id
    codebook_id: int = 0
    # South's client count, and both organisations' together: a North page showing either
    # as a number has counted South's clients.
    south_counts: tuple[int, int] = (0, 0)
    api_secrets: dict[str, str] = field(default_factory=dict)  # role -> North bearer token


class Browser:
    """A test client logged in as someone, posting forms with their CSRF token."""

    def __init__(self, app: Flask, email: str | None) -> None:
        self.client: FlaskClient = app.test_client()
        if email:
            self.post("/auth/login", {"email": email, "password": PASSWORD},
                      expect=(302,))

    def token(self, path: str) -> str:
        return csrf_token(self.client.get(path).get_data(as_text=True))

    def post(self, path: str, data: dict, form_path: str | None = None,
             expect: tuple[int, ...] = (200, 302), **kwargs):  # type: ignore[no-untyped-def]
        response = self.client.post(path, data={**data, "csrf_token": self.token(
            form_path or path)}, **kwargs)
        assert response.status_code in expect, (path, response.status_code,
                                                response.get_data(as_text=True)[:2000])
        return response


def _north_users(db: Session, org) -> dict[str, User]:  # type: ignore[no-untyped-def]
    return {role: create_user(db, email=f"{role}@north.test", name=f"{role} north", role=role,
                              password=PASSWORD, organisations=[org]) for role in ROLES}


def _client_record_ids(db: Session, side: Side, client_id: int) -> None:
    """The first referral and measure response of a client (the API's detail URLs)."""
    db.flush()
    side.ids["referral_id"] = db.scalars(select(Referral.id).where(
        Referral.client_id == client_id).order_by(Referral.id)).first()
    side.ids["response_id"] = db.scalars(select(MeasureResponse.id).where(
        MeasureResponse.client_id == client_id).order_by(MeasureResponse.id)).first()


def _api_tokens(db: Session, users: dict[str, User], name: str) -> dict[str, int]:
    """A token per role that the matrix may revoke (never the one its API client uses)."""
    return {role: tokens.create_token(db, user, name).token.id for role, user in users.items()}


def _fill_north(app: Flask, db: Session, org_id: int, users: dict[str, User]) -> Side:
    """North's records, typed into the forms by North's own users."""
    side = Side(organisation_id=org_id)
    lw = Browser(app, "link_worker@north.test")
    today = date.today()
    for n in range(1, NORTH_CLIENTS + 1):
        lw.post("/clients/new", {
            "organisation_id": org_id, "reference": f"N-00{n}", "age_band": "45-54",
            "gender": "female", "ethnic_group": "white", "area": "LS6",
            "referred_on": (today - timedelta(days=60)).isoformat(), "source": "gp",
            "service": SHORT[n % len(SHORT)][:120], "needs": ["loneliness"],
            "reasons": ALL_PAYLOADS, "status": "accepted"}, expect=(302,))
    client_ids = [c.id for c in db.scalars(select(Client).where(
        Client.organisation_id == org_id).order_by(Client.id))]
    side.ids["client_id"] = client_ids[0]
    for timepoint, on, score in (("baseline", 50, 2), ("exit", 5, 4)):
        answers = {f"item-q{i}": str(score) for i in range(1, 8)}
        lw.post(f"/clients/{client_ids[0]}/measures/new?instrument=swemwbs", {
            **answers, "timepoint": timepoint,
            "administered_on": (today - timedelta(days=on)).isoformat(),
            "administration_mode": "self_completed", "modified": "y",
            "modification_note": ALL_PAYLOADS}, expect=(302,))
    _client_record_ids(db, side, client_ids[0])
    story = {
        "organisation_id": org_id, "client_reference": "N-001", "title": SHORT[0],
        "referral_source": "gp", "referral_route": SHORT[1][:200],
        "presenting_needs": ["loneliness"], "needs_notes": ALL_PAYLOADS,
        "what_matters": ALL_PAYLOADS, "support_given": ALL_PAYLOADS,
        "activities-0-provider": SHORT[2][:200], "activities-0-activity": SHORT[3][:200],
        "activities-0-started_on": (today - timedelta(days=40)).isoformat(),
        "narrative": STORY + "\n\n" + ALL_PAYLOADS,
        "outcomes_in_own_words": "Less lonely. " + ALL_PAYLOADS,
        "client_quote": "I made new friends. " + ALL_PAYLOADS,
        "consent_level": "anonymised_external",
        "consent_given_on": (today - timedelta(days=30)).isoformat(),
        "consent_method": "written", "action": "submit"}
    lw.post("/case-studies/new", story, expect=(302,))
    lw.post("/case-studies/new", {**story, "title": SHORT[4], "client_reference": "N-002"},
            expect=(302,))
    lw.post("/feedback/new", {
        "organisation_id": org_id, "source": "client", "channel": "follow_up_call",
        "received_on": today.isoformat(), "client_reference": "N-001",
        "text": "I am much less lonely since the lunch club. " + ALL_PAYLOADS}, expect=(302,))
    studies = list(db.scalars(select(CaseStudy).where(CaseStudy.organisation_id == org_id)
                              .order_by(CaseStudy.id)))
    side.ids["case_study_id"] = studies[0].id
    side.ids["returned_case_study_id"] = studies[1].id
    side.ids["feedback_id"] = db.scalars(select(Feedback.id).where(
        Feedback.organisation_id == org_id)).first()

    manager = Browser(app, "manager@north.test")
    view = f"/case-studies/{studies[0].id}"
    manager.post(f"{view}/review", {"decision": "approve"}, form_path=view, expect=(302,))
    view = f"/case-studies/{studies[1].id}"
    manager.post(f"{view}/review", {"decision": "return", "comment": ALL_PAYLOADS},
                 form_path=view, expect=(302,))
    tag = db.scalars(select(Tag).where(Tag.organisation_id == org_id,
                                       Tag.case_study_id == studies[0].id)).first()
    assert tag is not None, "the North case study was not tagged"
    side.ids["tag_id"] = tag.id
    manager.post(f"/reports/evidence/{tag.id}/star", {"audience": "anonymised_external"},
                 form_path="/reports/evidence", expect=(302,))
    manager.post(f"/review/tags/{tag.id}", {"decision": "accept", "note": ALL_PAYLOADS},
                 form_path="/review/", expect=(302,))
    manager.post("/reports/new", {
        "title": SHORT[5][:200], "audience": "anonymised_external",
        "organisations": [str(org_id)], "outcomes": ["connection"],
        "sections": ["kpis", "sources", "measures", "outcomes"],
        "quotes": [str(tag.id)], "case_studies": [str(studies[0].id)],
        "extra_terms": "\n".join(SHORT[:5]), "background": ALL_PAYLOADS}, expect=(302,))
    side.ids["report_id"] = db.scalars(select(Report.id).where(
        Report.organisation_id == org_id)).one()
    side.ids["number"] = 1
    base = f"/reports/{side.ids['report_id']}/v/1"
    manager.post(f"{base}/deid", {}, expect=(302,))

    researcher = Browser(app, "researcher@north.test")
    researcher.post("/research/new", {"name": SHORT[6][:200], "description": ALL_PAYLOADS,
                                      "seed": "1"}, form_path="/research/", expect=(302,))
    project = db.scalars(select(ResearchProject).where(
        ResearchProject.organisation_id == org_id)).one()
    page = f"/research/{project.id}"
    researcher.post(f"{page}/codes", {"label": SHORT[7][:100], "definition": ALL_PAYLOADS},
                    form_path=page, expect=(302,))
    researcher.post(f"{page}/documents", {
        "case_study": [str(studies[0].id)], "title": SHORT[8][:200], "role": SHORT[9][:60],
        "file": (io.BytesIO(("Interviewer: How are you?\nAnn: " + ALL_PAYLOADS).encode()),
                 "interview.txt")}, form_path=page, content_type="multipart/form-data",
        expect=(302,))
    db.expire_all()
    document = db.scalars(select(ProjectDocument).where(
        ProjectDocument.project_id == project.id).order_by(ProjectDocument.id)).first()
    code_key = next(c.key for c in project.codes if c.parent_key is None)
    doc_page = f"{page}/documents/{document.id}"
    researcher.post(f"{doc_page}/code", {"start": 0, "end": 20, "code": [code_key]},
                    form_path=doc_page, expect=(302,))
    researcher.post(f"{page}/memos", {"title": SHORT[10][:200], "text": ALL_PAYLOADS,
                                      "document_id": document.id, "code_key": code_key},
                    form_path=page, expect=(302,))
    researcher.post(f"{page}/codebook/rename", {"code": code_key, "label": SHORT[11][:100]},
                    form_path=f"{page}/codebook", expect=(302,))
    codebook_yaml = yaml.safe_dump({"id": "imported-xss", "version": "1", "title": SHORT[15],
                                    "codes": [{"id": "xss_code", "label": SHORT[16],
                                               "definition": ALL_PAYLOADS}]})
    researcher.post(f"{page}/import", {"file": (io.BytesIO(codebook_yaml.encode()), "x.yaml")},
                    form_path=page, content_type="multipart/form-data", expect=(302,))
    coding = db.scalars(select(Coding).where(Coding.project_id == project.id)).first()
    side.ids |= {"project_id": project.id, "document_id": document.id, "coding_id": coding.id}
    side.code_key = code_key

    codebook = latest_version(db, "sp-outcomes")
    run = create_run(db, users["researcher"], org_id, codebook, TopicParams(), {})
    run.topics = [Topic(number=0, label=SHORT[12][:200], terms=[["walk", 0.5]], size=6,
                        representatives=[{"id": f"feedback:{side.ids['feedback_id']}:text:0",
                                         "text": SHORT[13]}], over_time={"2026-01": 6})]
    db.commit()
    side.ids["run_id"] = run.id
    side.ids["topic_number"] = 0
    admin = Browser(app, "admin@north.test")
    admin.post("/admin/users/new", {
        "email": "named@north.test", "name": SHORT[14][:200], "role": "link_worker",
        "organisations": [org_id], "password": "violet kettle orbit", "active": "y"},
        expect=(302,))
    side.ids["named_user_id"] = db.scalars(select(User.id).where(
        User.email == "named@north.test")).one()
    return side


def _fill_south(db: Session, org_id: int) -> tuple[Side, dict[str, User]]:
    """South's records, made through the services, every one carrying a marker."""
    side = Side(organisation_id=org_id)
    org = [o for o in db.scalars(select(Organisation)) if o.id == org_id]
    people = {role: create_user(db, email=f"{role}@quillbrook.test",
                                name=f"Ottoline Fairweather {role}", role=role,
                                password=PASSWORD, organisations=org) for role in ROLES}
    lw, manager, researcher = people["link_worker"], people["manager"], people["researcher"]
    today = date.today()
    made = [clients.create_client(
        db, lw, clients.ClientInput(org_id, f"QB-ZEPHYR-{n:03}", area="QB1"),
        clients.ReferralInput(today - timedelta(days=60), "gp", service="QUILLMARK service",
                              reasons="QUILLMARK reasons", needs=["loneliness"]))
        for n in range(SOUTH_CLIENTS)]
    side.ids["client_id"] = made[0].id
    for timepoint, on, score in (("baseline", 50, 1), ("exit", 5, 5)):
        measures.record_response(db, made[0], instrument_id="swemwbs",
                                 answers={f"q{i}": score for i in range(1, 8)},
                                 timepoint=timepoint, administered_on=today - timedelta(days=on),
                                 modified=True, modification_note="QUILLMARK note", actor=lw)
    _client_record_ids(db, side, made[0].id)
    study = case_studies.submit(db, lw, case_studies.CaseStudyInput(
        org_id, title="QUILLMARK story", client_reference=made[0].reference,
        referral_source="gp", what_matters="QUILLMARK matters", support_given="QUILLMARK help",
        narrative=STORY + " QUILLMARK lantern circle.", client_quote="QUILLMARK quote",
        outcomes_in_own_words="QUILLMARK outcomes",
        activities=[("QUILLMARK provider", "QUILLMARK activity", None)],
        consent_level="anonymised_external", consent_given_on=today - timedelta(days=30),
        consent_method="written"))
    case_studies.approve(db, manager, study)
    item = feedback.record_feedback(db, lw, feedback.FeedbackInput(
        org_id, "client", "survey", today, "QUILLMARK: much less lonely since the lantern "
        "circle, and I made new friends.", client_reference=made[0].reference))
    side.ids |= {"case_study_id": study.id, "feedback_id": item.id}
    tag = db.scalars(select(Tag).where(Tag.case_study_id == study.id)).first()
    assert tag is not None, "the South case study was not tagged"
    side.ids["tag_id"] = tag.id
    review.decide(db, manager, tag, "accept", note="QUILLMARK review")
    evidence.star(db, manager, tag.id, ConsentLevel.ANONYMISED_EXTERNAL)
    report = report_service.create(
        db, manager, title="QUILLMARK impact report", audience="anonymised_external",
        background="QUILLMARK background", filters=ReportFilters(
            organisation_ids=(org_id,), quote_ids=(tag.id,), case_study_ids=(study.id,)))
    version, _ = report_service.generate(db, manager, report, threshold=5)
    report_service.confirm_deid(db, manager, version)
    side.ids |= {"report_id": report.id, "number": version.number}

    codebook = latest_version(db, "sp-outcomes")
    project = research.create_project(db, researcher, "QUILLMARK project", org_id,
                                      "QUILLMARK description", codebook)
    research.add_code(db, researcher, project, "QUILLMARK code", None, "QUILLMARK definition",
                      None)
    document = research.add_transcript(db, researcher, project, "q.txt",
                                       b"Interviewer: Hello\nAnn: QUILLMARK transcript text")
    research.add_app_document(db, researcher, project, study)
    key = next(c.key for c in project.codes if c.label == "QUILLMARK code")
    [coding] = research_coding.add_coding(db, researcher, project, document, [key], 0, 12)
    research.add_memo(db, researcher, project, "QUILLMARK memo", title="QUILLMARK memo title",
                      code_key=key, document_id=document.id)
    side.ids |= {"project_id": project.id, "document_id": document.id, "coding_id": coding.id}
    side.code_key = key
    run = create_run(db, researcher, org_id, codebook, TopicParams(), {})
    run.topics = [Topic(number=0, label="QUILLMARK topic", terms=[["quillmark", 0.9]], size=9,
                        representatives=[{"id": f"feedback:{item.id}:text:0",
                                         "text": "QUILLMARK representative"}],
                        over_time={"2026-01": 9})]
    side.ids |= {"run_id": run.id, "topic_number": 0}
    job = create_job(db, "retag", {"codebook_id": codebook.id}, manager, org_id)
    side.ids["job_id"] = job.id
    side.ids["user_id"] = lw.id
    db.commit()
    return side, people


def _import_tokens(app: Flask, domain: str, org_id: int, prefix: str
                   ) -> dict[str, dict[str, str]]:
    """Import uploads of each role that may import, at each step: waiting at the mapping
    ("pending"), refused with an error report ("errors"), and imported ("done")."""
    tokens: dict[str, dict[str, str]] = {"pending": {}, "errors": {}, "done": {}}
    for role in ("link_worker", "manager", "admin"):
        browser = Browser(app, f"{role}@{domain}")
        for step, age in (("pending", "25-34"), ("errors", "not an age"), ("done", "25-34")):
            csv = f"reference,age_band\n{prefix}-IMPORT-{role}-{step},{age}\n".encode()
            response = browser.post("/imports/", {
                "kind": "clients", "organisation": org_id,
                "file": (io.BytesIO(csv), "clients.csv")},
                content_type="multipart/form-data", expect=(302,))
            token = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
            tokens[step][role] = token
            if step != "pending":
                browser.post(f"/imports/{token}", {"map-reference": "0", "map-age_band": "1"},
                             expect=(302,) if step == "done" else (200,))
    return tokens


def _import_jobs(db: Session, side: Side, users: dict[str, User]) -> dict[str, int]:
    """A background import of each importer's waiting upload (never run: see world_fixture)."""
    jobs = {}
    for role, token in side.tokens["pending"].items():
        user = users[role]
        jobs[role] = create_job(db, "import", {
            "token": token, "user_id": user.id, "organisation_id": side.organisation_id,
            "kind": "clients", "file_name": "clients.csv"}, user).id
    return jobs


def build_world(app: Flask, db: Session, url: str) -> World:
    north = create_organisation(db, "North SP")
    south = create_organisation(db, "Quillbrook Wellbeing Trust")
    north_users = _north_users(db, north)
    db.commit()
    other, south_users = _fill_south(db, south.id)
    own = _fill_north(app, db, north.id, north_users)
    codebook_id = latest_version(db, "sp-outcomes").id
    own.ids["job_id"] = create_job(db, "retag", {"codebook_id": codebook_id},
                                   north_users["manager"], north.id).id
    own.ids["user_id"] = north_users["link_worker"].id
    own.api_tokens = _api_tokens(db, north_users, SHORT[17][:120])
    other.api_tokens = _api_tokens(db, south_users, "QUILLMARK integration")
    # The API client of the matrix: a token with write access for each North user.
    secrets = {role: tokens.create_token(db, user, "access matrix", can_write=True).secret
               for role, user in north_users.items()}
    db.commit()
    own.tokens = _import_tokens(app, "north.test", north.id, "N")
    # South's uploads name South's clients, so a leaked preview would show the marker.
    other.tokens = _import_tokens(app, "quillbrook.test", south.id, "QB-ZEPHYR")
    own.import_jobs = _import_jobs(db, own, north_users)
    other.import_jobs = _import_jobs(db, other, south_users)
    db.commit()
    counts = {side.organisation_id: db.scalar(select(func.count()).select_from(Client).where(
        Client.organisation_id == side.organisation_id)) for side in (own, other)}
    return World(app=app, url=url, own=own, other=other,
                 users={role: u.id for role, u in north_users.items()},
                 codebook_id=codebook_id,
                 south_counts=(counts[south.id], counts[south.id] + counts[north.id]),
                 api_secrets=secrets)
