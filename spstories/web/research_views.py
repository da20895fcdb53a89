"""Research views on agreement, codebook history, and exchange with other QDA tools."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from spstories.core import codebook_edit
from spstories.core.markdown import render_markdown
from spstories.services import research as service
from spstories.services import research_codebook as reshape
from spstories.services import research_coding as coding
from spstories.services import research_exchange as exchange
from spstories.web.access import current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db
from spstories.web.redirects import local_path
from spstories.web.research import READERS, RESEARCHER, _done, _failed, _project, bp

MAX_UPLOAD = 20 * 1024 * 1024


def _download(data: bytes | str, filename: str, mimetype: str) -> FlaskResponse:
    return FlaskResponse(data, mimetype=mimetype,
                         headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<int:project_id>/colours.css")
@roles(*READERS)
def colours(project_id: int) -> FlaskResponse:
    """Code colours as a style sheet (the CSP allows no inline styles)."""
    proj = _project(project_id)
    rules = [f".c-{c.colour.lstrip('#')} {{ background: {c.colour}40; "
             f"border-bottom: 3px solid {c.colour}; }}" for c in proj.codes]
    return FlaskResponse("\n".join(sorted(set(rules))), mimetype="text/css")


@bp.route("/<int:project_id>/agreement")
@roles(*READERS)
def agreement(project_id: int) -> str:
    db = get_db()
    proj = _project(project_id)
    all_coders = service.coders(db, proj)
    chosen = [c for c in request.args.getlist("coder", type=int)
              if c in {x.id for x in all_coders}]
    unit = request.args.get("unit", "segment")
    report = disagreements = None
    if len(chosen) >= 2:
        try:
            report = coding.agreement(db, proj, chosen, unit)
            disagreements = coding.disagreements(db, proj, chosen)
        except service.ResearchError as exc:
            flash(str(exc), "error")
    texts = {d.id: d for d in service.documents(db, proj)}
    names = {c.id: c.name for c in all_coders}
    record_access("research.agreement.view", proj, coders=chosen, unit=unit)
    return render_template("research/agreement.html", project=proj, coders=all_coders,
                           chosen=chosen, unit=unit, report=report, names=names,
                           disagreements=disagreements, documents=texts)


@bp.route("/<int:project_id>/settle", methods=["POST"])
@roles(RESEARCHER)
def settle(project_id: int) -> Response:
    proj = _project(project_id)
    back = local_path(request.form.get("next"), url_for("research.agreement", project_id=proj.id))
    form = request.form
    try:
        coding.settle(get_db(), current_user(), proj, form.get("document_id", 0, type=int),
                      form.get("code_key", ""), form.get("start", -1, type=int),
                      form.get("end", -1, type=int), form.get("decision", ""),
                      form.get("note", ""))
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done("Settled: the agreed coding is recorded.", back)


@bp.route("/<int:project_id>/codebook")
@roles(*READERS)
def codebook(project_id: int) -> str:
    db = get_db()
    proj = _project(project_id)
    history = service.revisions(db, proj)
    compare = request.args.get("compare", type=int)
    changes = None
    if compare:
        old = next((r for r in history if r.number == compare), None)
        if old is not None:
            changes = codebook_edit.diff(service.revision_tree(old), service.tree(proj))
    document = Markup(render_markdown(exchange.codebook_markdown(proj)))  # noqa: S704 - sanitised
    counts = coding.code_counts(db, proj)
    return render_template("research/codebook.html", project=proj, history=history,
                           changes=changes, compare=compare, document=document,
                           tree=codebook_edit.ordered(service.tree(proj)), counts=counts)


@bp.route("/<int:project_id>/codebook/rename", methods=["POST"])
@roles(RESEARCHER)
def rename_code(project_id: int) -> Response:
    proj = _project(project_id)
    back = url_for("research.codebook", project_id=proj.id)
    try:
        reshape.rename_code(get_db(), current_user(), proj, request.form.get("code", ""),
                            request.form.get("label", ""))
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done("Code renamed.", back)


@bp.route("/<int:project_id>/codebook/move", methods=["POST"])
@roles(RESEARCHER)
def move_code(project_id: int) -> Response:
    proj = _project(project_id)
    back = url_for("research.codebook", project_id=proj.id)
    try:
        reshape.move_code(get_db(), current_user(), proj, request.form.get("code", ""),
                          request.form.get("parent") or None)
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done("Code moved.", back)


@bp.route("/<int:project_id>/codebook/merge", methods=["POST"])
@roles(RESEARCHER)
def merge_code(project_id: int) -> Response:
    proj = _project(project_id)
    back = url_for("research.codebook", project_id=proj.id)
    try:
        if request.form.get("confirm") != "1":
            raise service.ResearchError("tick the box to confirm the merge: it cannot be undone")
        result = reshape.merge_code(get_db(), current_user(), proj,
                                    request.form.get("source", ""),
                                    request.form.get("target", ""))
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done(f"Merged: {result.moved} coding(s) moved, {result.collapsed} duplicate(s) "
                 "of the same coder on the same passage combined.", back)


@bp.route("/<int:project_id>/export/<any(qdpx, qdc, yaml, md, html, csv, xlsx):kind>")
@roles(*READERS)
def export(project_id: int, kind: str) -> FlaskResponse:
    """The codebook for everyone who reads the project; documents' text only for researchers
    (the service refuses managers)."""
    db = get_db()
    proj = _project(project_id)
    stem = f"research-project-{proj.id}"
    if kind in ("qdpx", "csv", "xlsx"):
        try:
            exchange.require_text_export(current_user(), proj)
        except service.ReadOnlyError:
            abort(403)
    if kind == "qdpx":
        data: bytes | str = exchange.export_qdpx(db, current_user(), proj)
        db.commit()
        return _download(data, f"{stem}.qdpx", "application/zip")
    if kind in ("csv", "xlsx"):
        data = (exchange.segments_csv if kind == "csv" else exchange.segments_xlsx)(
            db, proj, current_user())
        db.commit()
        if kind == "csv":
            return _download(data, f"{stem}-segments.csv", "text/csv")
        return _download(data, f"{stem}-segments.xlsx", "application/vnd.openxmlformats-"
                         "officedocument.spreadsheetml.sheet")
    record_access("research.export.codebook", proj, format=kind)
    if kind == "qdc":
        return _download(exchange.codebook_qdc(proj), f"{stem}-codebook.qdc", "application/xml")
    if kind == "yaml":
        return _download(exchange.codebook_yaml(proj), f"{stem}-codebook.yaml", "text/yaml")
    if kind == "md":
        return _download(exchange.codebook_markdown(proj), f"{stem}-codebook.md",
                         "text/markdown")
    body = render_markdown(exchange.codebook_markdown(proj))
    page = f"<!doctype html><meta charset=utf-8><title>{escape(proj.name)}</title>{body}"
    return _download(page, f"{stem}-codebook.html", "text/html")


@bp.route("/<int:project_id>/import", methods=["POST"])
@roles(RESEARCHER)
def import_file(project_id: int) -> Response:
    proj = _project(project_id)
    back = url_for("research.project", project_id=proj.id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a .qdpx, .qdc or .yaml file.", "error")
        return redirect(back)
    data = upload.read(MAX_UPLOAD + 1)
    name = upload.filename.lower()
    try:
        if len(data) > MAX_UPLOAD:
            raise service.ResearchError("the file is larger than 20 MB")
        if name.endswith(".qdpx"):
            counts = exchange.import_qdpx(get_db(), current_user(), proj, data)
            message = (f"Imported {counts['documents']} documents, {counts['codings']} "
                       f"codings and {counts['memos']} memos.")
            if counts["skipped"]:
                message += f" Not imported (not text): {', '.join(counts['skipped'][:5])}."
        elif name.endswith((".qdc", ".yaml", ".yml")):
            added = exchange.import_codebook(get_db(), current_user(), proj, upload.filename,
                                             data)
            message = f"Imported the codebook: {added} new codes."
        else:
            raise service.ResearchError("choose a .qdpx, .qdc or .yaml file")
    except service.ResearchError as exc:
        return _failed(exc, back)
    return _done(message, back)
