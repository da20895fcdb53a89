"""Researcher workbench: projects, manual coding, agreement and REFI-QDA exchange."""

from __future__ import annotations

import itertools

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from spstories.core.coding_units import co_occurrence_matrix
from spstories.core.vocabulary import Role
from spstories.services import research as service
from spstories.services import research_coding as coding
from spstories.services.codebooks import latest_version
from spstories.storage.models import CaseStudy, Coding, Feedback, ResearchProject
from spstories.storage.queries import get_scoped
from spstories.web.access import current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db
from spstories.web.redirects import local_path

bp = Blueprint("research", __name__, url_prefix="/research")
RESEARCHER = Role.RESEARCHER
# Managers read their organisations' projects; only researchers change anything.
READERS = (Role.RESEARCHER, Role.MANAGER)


@bp.context_processor
def _can_change() -> dict[str, bool]:
    user = g.get("user")
    return {"can_change": user is not None and service.can_change(user)}


def _project(project_id: int) -> ResearchProject:
    project = service.get_project(get_db(), current_user(), project_id)
    if project is None:
        abort(404)
    return project


def _done(message: str, target: str) -> Response:
    get_db().commit()
    flash(message, "success")
    return redirect(target)


def _failed(exc: Exception, target: str) -> Response:
    get_db().rollback()
    if isinstance(exc, service.ReadOnlyError):
        abort(403)
    flash(str(exc), "error")
    return redirect(target)


def marked_text(text: str, codings: list[Coding], colours: dict[str, str]) -> Markup:
    """The document with coded stretches in ``<mark>``; its text content is exactly ``text``."""
    cuts = sorted({0, len(text), *(c.start_offset for c in codings),
                   *(c.end_offset for c in codings)})
    out = []
    for left, right in itertools.pairwise(cuts):
        covering = sorted({c.code_key for c in codings
                           if c.start_offset <= left and right <= c.end_offset})
        piece = escape(text[left:right])
        if covering:
            colour = colours.get(covering[0], "").lstrip("#")
            title = escape(", ".join(covering))
            out.append(f'<mark class="coded c-{escape(colour)}" title="{title}">{piece}</mark>')
        else:
            out.append(str(piece))
    return Markup("".join(out))  # noqa: S704 - every piece of text is escaped


@bp.route("/")
@roles(*READERS)
def index() -> str:
    db = get_db()
    return render_template("research/index.html",
                           projects=service.list_projects(db, current_user()),
                           codebook=latest_version(db, "sp-outcomes"))


@bp.route("/new", methods=["POST"])
@roles(RESEARCHER)
def new() -> Response:
    db = get_db()
    user = current_user()
    codebook = latest_version(db, "sp-outcomes") if request.form.get("seed") == "1" else None
    try:
        project = service.create_project(db, user, request.form.get("name", ""),
                                         user.organisation_ids[0],
                                         request.form.get("description", ""), codebook)
    except service.ResearchError as exc:
        return _failed(exc, url_for("research.index"))
    return _done("Project created.", url_for("research.project", project_id=project.id))


@bp.route("/<int:project_id>")
@roles(*READERS)
def project(project_id: int) -> str:
    db = get_db()
    proj = _project(project_id)
    user = current_user()
    case_studies, feedback = service.candidate_documents(db, user)
    counts = coding.code_counts(db, proj)
    documents = service.documents(db, proj)
    record_access("research.project.view", proj, documents=len(documents))
    return render_template(
        "research/project.html", project=proj, documents=documents,
        tree=[(c, d) for c, d in service.codebook_edit.ordered(service.tree(proj))],
        counts=counts, coders=service.coders(db, proj), memos=service.memos(db, proj),
        co_occurrence=co_occurrence_matrix(coding.co_occurrence(db, proj)),
        case_studies=case_studies, feedback=feedback)


@bp.route("/<int:project_id>/codes", methods=["POST"])
@roles(RESEARCHER)
def add_code(project_id: int) -> Response:
    proj = _project(project_id)
    target = local_path(request.form.get("next"), url_for("research.project", project_id=proj.id))
    try:
        service.add_code(get_db(), current_user(), proj, request.form.get("label", ""),
                         request.form.get("parent") or None, request.form.get("definition", ""),
                         request.form.get("colour"))
    except service.ResearchError as exc:
        return _failed(exc, target)
    return _done("Code added.", target)


@bp.route("/<int:project_id>/documents", methods=["POST"])
@roles(RESEARCHER)
def add_documents(project_id: int) -> Response:
    db = get_db()
    proj = _project(project_id)
    back = url_for("research.project", project_id=proj.id)
    try:
        upload = request.files.get("file")
        if upload and upload.filename:
            service.add_transcript(
                db, current_user(), proj, upload.filename, upload.read(),
                request.form.get("title", ""),
                {k: request.form.get(k, "").strip() for k in ("role", "organisation", "date")})
        for model, field in ((CaseStudy, "case_study"), (Feedback, "feedback")):
            for item_id in request.form.getlist(field, type=int):
                item = get_scoped(db, model, item_id, current_user())
                if item is None:
                    abort(404)
                service.add_app_document(db, current_user(), proj, item)
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done("Documents added.", back)


@bp.route("/<int:project_id>/documents/<int:document_id>")
@roles(*READERS)
def document(project_id: int, document_id: int) -> str:
    db = get_db()
    proj = _project(project_id)
    doc = service.get_document(db, proj, document_id) or abort(404)
    user = current_user()
    mine = None  # readers (managers) see every coder's codings alike
    if service.can_change(user, proj):
        mine = service.coder_for(db, proj, user)  # made on first visit, committed below
    record_access("research.document.view", doc, organisation_id=proj.organisation_id,
                  client_id=service.document_client(db, proj, doc), project_id=proj.id)
    all_codings = coding.codings(db, proj, document_id=doc.id)
    colours = {c.key: c.colour for c in proj.codes}
    own = [c for c in all_codings if mine is not None and c.coder_id == mine.id]
    others = [c for c in all_codings if mine is None or c.coder_id != mine.id]
    return render_template(
        "research/document.html", project=proj, doc=doc, mine=mine, own=own, others=others,
        text=marked_text(doc.text, own if mine is not None else all_codings, colours),
        tree=service.codebook_edit.ordered(service.tree(proj)),
        memos=[m for m in service.memos(db, proj) if m.document_id == doc.id])


@bp.route("/<int:project_id>/documents/<int:document_id>/code", methods=["POST"])
@roles(RESEARCHER)
def code(project_id: int, document_id: int) -> Response:
    db = get_db()
    proj = _project(project_id)
    doc = service.get_document(db, proj, document_id) or abort(404)
    back = url_for("research.document", project_id=proj.id, document_id=doc.id)
    try:
        made = coding.add_coding(db, current_user(), proj, doc, request.form.getlist("code"),
                                 request.form.get("start", -1, type=int),
                                 request.form.get("end", -1, type=int))
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done(f"Coded with {len(made)} code(s).", back)


@bp.route("/<int:project_id>/documents/<int:document_id>/suggest", methods=["POST"])
@roles(RESEARCHER)
def suggest(project_id: int, document_id: int) -> Response:
    db = get_db()
    proj = _project(project_id)
    doc = service.get_document(db, proj, document_id) or abort(404)
    back = url_for("research.document", project_id=proj.id, document_id=doc.id)
    try:
        made = coding.suggest(db, current_user(), proj, doc)
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done(f"The tagger suggested {len(made)} coding(s).", back)


@bp.route("/<int:project_id>/codings/<int:coding_id>/<any(accept, remove):action>",
          methods=["POST"])
@roles(RESEARCHER)
def change_coding(project_id: int, coding_id: int, action: str) -> Response:
    db = get_db()
    proj = _project(project_id)
    target = db.get(Coding, coding_id)
    if target is None or target.project_id != proj.id:
        abort(404)
    back = url_for("research.document", project_id=proj.id, document_id=target.document_id)
    try:
        if action == "accept":
            coding.accept(db, current_user(), proj, coding_id)
        else:
            coding.remove_coding(db, current_user(), proj, coding_id)
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done("Accepted." if action == "accept" else "Coding removed.", back)


@bp.route("/<int:project_id>/memos", methods=["POST"])
@roles(RESEARCHER)
def memo(project_id: int) -> Response:
    proj = _project(project_id)
    back = local_path(request.form.get("next"), url_for("research.project", project_id=proj.id))
    try:
        service.add_memo(get_db(), current_user(), proj, request.form.get("text", ""),
                         title=request.form.get("title", "Memo"),
                         code_key=request.form.get("code_key") or None,
                         document_id=request.form.get("document_id", type=int),
                         coding_id=request.form.get("coding_id", type=int))
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done("Memo saved.", back)


@bp.route("/<int:project_id>/codes/<key>")
@roles(*READERS)
def retrieve(project_id: int, key: str) -> str:
    db = get_db()
    proj = _project(project_id)
    the_code = next((c for c in proj.codes if c.key == key), None) or abort(404)
    segments = coding.codings(db, proj, code_key=key)
    record_access("research.code.view", proj, code=key, shown=len(segments))
    return render_template("research/code.html", project=proj, code=the_code,
                           codings=segments,
                           memos=[m for m in service.memos(db, proj) if m.code_key == key])


# More views on the same blueprint (agreement, exchange), kept in their own module for size.
from spstories.web import research_views  # noqa: E402, F401
