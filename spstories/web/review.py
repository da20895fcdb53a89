"""The review queue: confirm, reject or change machine tags, add missed ones, and see how
far the machine agrees with people, per code."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from spstories.core.vocabulary import Role
from spstories.services import review as service
from spstories.services.codebooks import latest_version, spec_of
from spstories.services.machine_agreement import machine_agreement
from spstories.services.tagging import OUTCOMES_CODEBOOK
from spstories.services.training import model_status, suggest_codes, uncertain_first
from spstories.storage.models import Codebook, Tag
from spstories.web.access import current_user, roles
from spstories.web.auditing import asked_for, record_access
from spstories.web.db import get_db
from spstories.web.highlight import Span, highlight
from spstories.web.jobs import start_job

bp = Blueprint("review", __name__, url_prefix="/review")
REVIEWERS = (Role.RESEARCHER, Role.MANAGER)


def _codebook() -> Codebook:
    db = get_db()
    chosen = request.values.get("codebook", type=int)
    codebook = db.get(Codebook, chosen) if chosen else latest_version(db, OUTCOMES_CODEBOOK)
    if codebook is None:
        abort(404)
    return codebook


def _score(name: str) -> float | None:
    value = request.args.get(name, type=float)
    return value if value is None or 0 <= value <= 1 else None


@bp.route("/")
@roles(*REVIEWERS)
def index() -> str:
    db = get_db()
    codebook = _codebook()
    args = request.args
    filters = service.QueueFilters(
        codebook_id=codebook.id,
        code=args.get("code") or None,
        polarity=args.get("polarity") or None,
        origin=args.get("origin") or None,
        document_type=args.get("document_type") or None,
        state=args.get("state", "suggested") or None,
        min_score=_score("min_score"),
        max_score=_score("max_score"),
    )
    order = args.get("order", "newest")
    tags = service.queue(db, current_user(), filters, limit=200 if order == "uncertain" else 50)
    spec = spec_of(codebook)
    ranked = uncertain_first(tags, spec)[:50] if order == "uncertain" else [(t, None) for t in tags]
    items = []
    for tag, doubt in ranked:
        text = service.text_of(db, tag)
        items.append(
            {
                "tag": tag,
                "doubt": doubt,
                "context": highlight(
                    text, [Span(tag.start_offset, tag.end_offset, tag.code.key, tag.polarity)]
                ),
                "document": service.document_of(db, tag),
            }
        )
    record_access("tag.list", codebook_id=codebook.id, order=order, shown=len(items),
                  **asked_for("code", "polarity", "origin", "document_type", "state", "min_score",
                            "max_score"))
    return render_template(
        "review/index.html",
        codebook=codebook,
        items=items,
        args=args,
        codes=codebook.codes,
        order=order,
        status=model_status(spec),
    )


def _tag(tag_id: int) -> Tag:
    """The tag if it is in the user's organisations; otherwise 404, as for every record."""
    try:
        return service.visible_tag(get_db(), current_user(), tag_id)
    except service.ReviewError:
        abort(404)


def _back() -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/review") else url_for("review.index")


@bp.route("/tags/<int:tag_id>", methods=["POST"])
@roles(*REVIEWERS)
def decide(tag_id: int) -> Response:
    db = get_db()
    tag = _tag(tag_id)
    try:
        service.decide(
            db,
            current_user(),
            tag,
            request.form.get("decision", ""),
            code=request.form.get("code") or None,
            polarity=request.form.get("polarity") or None,
            note=request.form.get("note", ""),
        )
    except service.ReviewError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(_back())
    db.commit()
    flash("Decision recorded.", "success")
    return redirect(_back())


@bp.route("/tags/<int:tag_id>/document")
@roles(*REVIEWERS)
def document(tag_id: int) -> str:
    """The whole text around a tag, where a reviewer selects a passage the machine missed."""
    db = get_db()
    tag = _tag(tag_id)
    document = service.document_of(db, tag)
    record_access("case_study.view" if tag.case_study_id else "feedback.view", document,
                  tag_id=tag.id)
    return render_template(
        "review/document.html",
        tag=tag,
        text=service.text_of(db, tag),
        codes=tag.code.codebook.codes,
        status=model_status(spec_of(tag.code.codebook)),
    )


MAX_SUGGEST_CHARS = 2000


@bp.route("/suggest", methods=["POST"])
@roles(*REVIEWERS)
def suggest() -> Response:
    """Codes nearest in meaning to a selected passage (zero-shot), as JSON."""
    codebook = _codebook()
    passage = request.form.get("text", "")
    if len(passage) > MAX_SUGGEST_CHARS:
        return jsonify(error=f"select at most {MAX_SUGGEST_CHARS} characters"), 400
    return jsonify(suggest_codes(spec_of(codebook), passage))


def _stored_offset(text: str, shown: int) -> int:
    """The offset into ``text`` as stored of the ``shown``-th character as the page shows it.

    The HTML parser turns each CR LF (as browsers submit line breaks in a textarea) and each
    lone CR into one LF, so the offsets the page takes from a selection count a CR LF as one
    character. A CR LF maps to where its CR is; -1 stands for an offset past the end.
    """
    if "\r" not in text or shown < 0:
        return shown
    starts = [i for i, char in enumerate(text) if not (char == "\n" and text[i - 1 : i] == "\r")]
    starts.append(len(text))
    return starts[shown] if shown < len(starts) else -1


@bp.route("/tags/<int:tag_id>/add", methods=["POST"])
@roles(*REVIEWERS)
def add(tag_id: int) -> Response:
    db = get_db()
    form = request.form
    tag = _tag(tag_id)
    try:
        text = service.text_of(db, tag)
        service.add_missed(
            db,
            current_user(),
            tag.code.codebook,
            service.document_of(db, tag),
            tag.field,
            _stored_offset(text, form.get("start", -1, type=int)),
            _stored_offset(text, form.get("end", -1, type=int)),
            form.get("code", ""),
            form.get("polarity", ""),
            form.get("note", ""),
        )
    except service.ReviewError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("review.document", tag_id=tag_id))
    db.commit()
    flash("Missed tag added.", "success")
    return redirect(url_for("review.document", tag_id=tag_id))


@bp.route("/agreement")
@roles(*REVIEWERS)
def agreement() -> str:
    codebook = _codebook()
    result = machine_agreement(get_db(), current_user(), codebook)
    return render_template(
        "review/agreement.html",
        codebook=codebook,
        result=result,
        status=model_status(spec_of(codebook)),
    )


@bp.route("/train", methods=["POST"])
@roles(*REVIEWERS)
def train() -> Response:
    codebook = _codebook()
    user = current_user()
    job = start_job("train", {"codebook_id": codebook.id, "user_id": user.id}, user)
    return redirect(url_for("jobs.view", job_id=job.id))
