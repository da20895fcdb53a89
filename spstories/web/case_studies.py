"""Case studies: write (with autosave and live preview), submit, review."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from spstories.core.markdown import render_markdown
from spstories.core.vocabulary import (
    CaseStudyStatus,
    ConsentLevel,
    PresentingNeed,
    ReferralSource,
    Role,
)
from spstories.services import case_studies as service
from spstories.services.documents import client_references, document_tags
from spstories.storage.models import CaseStudy, Client
from spstories.web.access import any_role, current_user, roles
from spstories.web.auditing import record_access
from spstories.web.case_study_forms import CaseStudyForm
from spstories.web.db import get_db, get_or_404
from spstories.web.forms import options
from spstories.web.highlight import Span, highlight

bp = Blueprint("case_studies", __name__, url_prefix="/case-studies")
WRITERS = (Role.LINK_WORKER, Role.MANAGER)


def _load(case_study_id: int) -> CaseStudy:
    return get_or_404(CaseStudy, case_study_id)


def _form(case_study: CaseStudy | None = None) -> CaseStudyForm:
    form = CaseStudyForm(obj=case_study)
    form.organisation_id.choices = options((o.id, o.name) for o in current_user().organisations)
    if case_study is not None and not form.is_submitted():
        client = get_db().get(Client, case_study.client_id) if case_study.client_id else None
        form.client_reference.data = client.reference if client else ""
        consent = service.consent_for(get_db(), case_study)
        if consent is not None:
            form.consent_level.data = consent.level
            form.consent_given_on.data = consent.given_on
            form.consent_method.data = consent.method
        for row, activity in zip(form.activities, case_study.activities, strict=False):
            row.provider.data = activity.provider
            row.activity.data = activity.activity
            row.started_on.data = activity.started_on
    return form


@bp.route("/")
@any_role
def index() -> str:
    status = request.args.get("status") or None
    if status not in {None, *(s.value for s in CaseStudyStatus)}:
        status = None
    mine = request.args.get("mine") == "1"
    items = service.list_case_studies(get_db(), current_user(), status, mine)
    record_access("case_study.list", status=status, mine=mine, shown=len(items))
    return render_template(
        "case_studies/index.html", items=items, status=status, mine=mine, statuses=CaseStudyStatus
    )


def _commit(
    action: Callable[..., CaseStudy], form: CaseStudyForm, case_study: CaseStudy | None
) -> CaseStudy:
    """Run a save and commit; a save racing another for the same new draft retries once."""
    db = get_db()
    try:
        saved = action(db, current_user(), form.to_input(), case_study)
        db.commit()
        return saved
    except IntegrityError:
        db.rollback()  # the other request created the draft first: this time we find it
    except service.CaseStudyError:
        db.rollback()
        raise
    try:
        saved = action(db, current_user(), form.to_input(), case_study)
        db.commit()
        return saved
    except BaseException:
        db.rollback()
        raise


def _save(form: CaseStudyForm, case_study: CaseStudy | None) -> Response | None:
    """Save or submit; on errors put them on the form and return None (nothing saved)."""
    submitting = request.form.get("action") == "submit"
    try:
        case_study = _commit(service.submit if submitting else service.save_draft, form, case_study)
    except service.CaseStudyError as exc:
        form.show_errors(exc.errors)
        return None
    if submitting:
        flash("Submitted for approval. A manager will review it.", "success")
        return redirect(url_for("case_studies.view", case_study_id=case_study.id))
    flash("Draft saved.", "success")
    return redirect(url_for("case_studies.edit", case_study_id=case_study.id))


@bp.route("/new", methods=["GET", "POST"])
@roles(*WRITERS)
def new() -> str | Response:
    form = _form()
    if form.validate_on_submit() and (response := _save(form, None)) is not None:
        return response
    return render_template(
        "case_studies/form.html",
        form=form,
        case_study=None,
        clients=client_references(get_db(), current_user()),
    )


@bp.route("/<int:case_study_id>/edit", methods=["GET", "POST"])
@roles(*WRITERS)
def edit(case_study_id: int) -> str | Response:
    case_study = _load(case_study_id)
    if not service.can_edit(current_user(), case_study):
        flash("This case study can no longer be edited.", "error")
        return redirect(url_for("case_studies.view", case_study_id=case_study.id))
    form = _form(case_study)
    if form.validate_on_submit() and (response := _save(form, case_study)) is not None:
        return response
    record_access("case_study.view", case_study)
    return render_template(
        "case_studies/form.html",
        form=form,
        case_study=case_study,
        clients=client_references(get_db(), current_user()),
    )


@bp.route("/autosave", methods=["POST"], defaults={"case_study_id": None})
@bp.route("/<int:case_study_id>/autosave", methods=["POST"])
@roles(*WRITERS)
def autosave(case_study_id: int | None) -> tuple[Response, int] | Response:
    """Save a draft in the background; answers JSON for the page's script."""
    case_study = _load(case_study_id) if case_study_id else None
    form = _form(case_study)
    if not form.validate():
        return jsonify(saved=False, errors=form.errors), 400
    try:
        case_study = _commit(service.save_draft, form, case_study)
    except service.CaseStudyError as exc:
        return jsonify(saved=False, errors=exc.errors), 400
    return jsonify(
        saved=True,
        id=case_study.id,
        edit_url=url_for("case_studies.edit", case_study_id=case_study.id),
        autosave_url=url_for("case_studies.autosave", case_study_id=case_study.id),
        saved_at=case_study.updated_at.isoformat(),
    )


@bp.route("/preview", methods=["POST"])
@roles(*WRITERS)
def preview() -> Response:
    """The narrative rendered and sanitised exactly as it will be shown."""
    return jsonify(html=render_markdown(request.form.get("narrative", "")))


@bp.route("/<int:case_study_id>")
@any_role
def view(case_study_id: int) -> str:
    db = get_db()
    case_study = _load(case_study_id)
    record_access("case_study.view", case_study)
    tags = document_tags(db, case_study_id=case_study.id)
    highlighted = {
        field: highlight(
            getattr(case_study, field) or "",
            [
                Span(t.start_offset, t.end_offset, t.code.key, t.polarity)
                for t in tags
                if t.field == field
            ],
        )
        for field in ("narrative", "outcomes_in_own_words", "client_quote")
    }
    return render_template(
        "case_studies/view.html",
        case_study=case_study,
        tags=tags,
        narrative_html=Markup(render_markdown(case_study.narrative)),  # noqa: S704 - sanitised
        highlighted=highlighted,
        consent=service.consent_for(db, case_study),
        client=db.get(Client, case_study.client_id) if case_study.client_id else None,
        can_edit=service.can_edit(current_user(), case_study),
        ConsentLevel=ConsentLevel,
        need_labels=dict(PresentingNeed.choices()),
        source_labels=dict(ReferralSource.choices()),
    )


@bp.route("/<int:case_study_id>/review", methods=["POST"])
@roles(Role.MANAGER)
def review(case_study_id: int) -> Response:
    db = get_db()
    case_study = _load(case_study_id)
    try:
        if request.form.get("decision") == "approve":
            service.approve(db, current_user(), case_study)
            message = "Approved."
        else:
            service.return_for_changes(
                db, current_user(), case_study, request.form.get("comment", "")
            )
            message = "Returned to the author with your comment."
        db.commit()
        flash(message, "success")
    except service.CaseStudyError as exc:
        db.rollback()
        flash(str(exc), "error")
    return redirect(url_for("case_studies.view", case_study_id=case_study.id))
