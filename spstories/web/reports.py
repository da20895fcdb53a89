"""Impact reports: builder, evidence library, de-identification check, versions, exports."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from spstories.core.reports import Report as ReportModel
from spstories.core.reports.consent import AUDIENCES
from spstories.core.reports.to_html import body_html
from spstories.core.vocabulary import ConsentLevel, Role
from spstories.services import evidence
from spstories.services import reports as service
from spstories.services.report_content import ReportFilters
from spstories.storage.models import Report, Tag
from spstories.storage.queries import get_scoped
from spstories.web.access import current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db
from spstories.web.forms import options
from spstories.web.report_forms import EvidenceSearchForm, ReportForm

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = (Role.MANAGER, Role.RESEARCHER)
WRITERS = (Role.MANAGER,)


def _threshold() -> int:
    return int(current_app.config["SMALL_NUMBER_THRESHOLD"])


def _report(report_id: int) -> Report:
    report = service.get(get_db(), current_user(), report_id)
    if report is None:
        abort(404)
    return report


def _builder(
    form: ReportForm, audience: str | None, fallback: str, chosen: tuple[int, ...] = ()
) -> None:
    """Fill the builder's choices: the user's organisations, starred quotes (and the quotes
    ``chosen`` for the report already, which a colleague editing it may not have starred),
    case studies.

    ``audience`` comes from the submitted form and may be anything: the quotes' locks are
    shown for ``fallback`` until it is one of the audiences (the form then says what is wrong).
    """
    db, user = get_db(), current_user()
    form.organisations.choices = options((o.id, o.name) for o in user.organisations)
    form.outcomes.choices = options(service.outcome_choices(get_db()))
    level = ConsentLevel(audience if audience in {a.value for a in AUDIENCES} else fallback)
    starred = evidence.search(db, user, evidence.Search(audience=level, starred_only=True))
    kept = evidence.search(db, user, evidence.Search(audience=level), tag_ids=chosen,
                           limit=len(chosen)) if chosen else []
    quotes = {i.tag_id: i for i in [*kept, *starred]}.values()
    form.quotes.choices = options(
        (i.tag_id, f"{i.evidence[:120]} ({i.code}, {i.polarity})"
                   + ("" if i.permission.allowed else f" (locked: {i.permission.reason})"))
        for i in quotes)
    studies = service.approved_case_studies(db, user)
    form.case_studies.choices = options((c.id, c.title) for c in studies)


def _filters(form: ReportForm) -> ReportFilters:
    terms = tuple(t.strip() for t in (form.extra_terms.data or "").splitlines() if t.strip())
    return ReportFilters(
        start=form.start.data, end=form.end.data,
        organisation_ids=tuple(form.organisations.data or ()),
        outcomes=tuple(form.outcomes.data or ()), sections=tuple(form.sections.data or ()),
        confirmed_only=bool(form.confirmed_only.data), quote_ids=tuple(form.quotes.data or ()),
        case_study_ids=tuple(form.case_studies.data or ()), extra_terms=terms)


def _generate(report: Report) -> Any:
    v, left_out = service.generate(get_db(), current_user(), report, threshold=_threshold())
    get_db().commit()
    for reason in left_out:
        flash(f"Left out: {reason}", "warning")
    flash(f"Version {v.number} generated.", "success")
    return redirect(url_for("reports.view", report_id=report.id, v=v.number))


@bp.route("/")
@roles(*READERS)
def index() -> str:
    return render_template("reports/index.html",
                           reports=service.list_reports(get_db(), current_user()))


@bp.route("/new", methods=["GET", "POST"])
@roles(*WRITERS)
def new() -> Any:
    form = ReportForm()
    _builder(form, request.form.get("audience"), form.audience.default)
    if request.method == "GET":
        form.organisations.data = list(current_user().organisation_ids)
    if form.validate_on_submit():
        try:
            report = service.create(get_db(), current_user(), title=form.title.data or "",
                                    audience=form.audience.data or "",
                                    background=form.background.data or "",
                                    filters=_filters(form))
        except service.ReportError as e:
            form.form_errors.append(str(e))
        else:
            return _generate(report)
    record_access("evidence.list", starred_only=True, shown=len(form.quotes.choices))
    return render_template("reports/form.html", form=form, report=None)


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@roles(*WRITERS)
def edit(report_id: int) -> Any:
    report = _report(report_id)
    f = ReportFilters.from_json(report.filters)
    form = ReportForm(data={
        "title": report.title, "audience": report.audience, "start": f.start, "end": f.end,
        "organisations": list(f.organisation_ids), "outcomes": list(f.outcomes),
        "sections": list(f.sections), "confirmed_only": f.confirmed_only,
        "quotes": list(f.quote_ids),
        "case_studies": list(f.case_study_ids), "extra_terms": "\n".join(f.extra_terms),
        "background": report.background,
    })
    _builder(form, request.form.get("audience"), report.audience, f.quote_ids)
    if form.validate_on_submit():
        try:
            service.update(get_db(), current_user(), report, title=form.title.data or "",
                           audience=form.audience.data or "",
                           background=form.background.data or "", filters=_filters(form))
        except service.ReportError as e:
            form.form_errors.append(str(e))
        else:
            return _generate(report)
    record_access("report.view", report, quotes=len(form.quotes.choices))
    return render_template("reports/form.html", form=form, report=report)


@bp.route("/<int:report_id>")
@roles(*READERS)
def view(report_id: int) -> str:
    report = _report(report_id)
    number = request.args.get("v", type=int)
    v = service.version(report, number) if number else (report.versions or [None])[-1]
    if number and v is None:
        abort(404)
    body = Markup(body_html(ReportModel.from_dict(v.content))) if v else None  # noqa: S704
    record_access("report.view", v or report, organisation_id=report.organisation_id,
                  report_id=report.id)
    return render_template("reports/view.html", report=report, v=v, body=body,
                           formats=service.FORMATS)


@bp.route("/<int:report_id>/generate", methods=["POST"])
@roles(*WRITERS)
def generate(report_id: int) -> Any:
    return _generate(_report(report_id))


@bp.route("/<int:report_id>/v/<int:number>/deid", methods=["GET", "POST"])
@roles(*WRITERS)
def deid(report_id: int, number: int) -> Any:
    report = _report(report_id)
    v = service.version(report, number) or abort(404)
    if request.method == "POST":
        service.confirm_deid(get_db(), current_user(), v)
        get_db().commit()
        flash("De-identification confirmed: this version can be exported.", "success")
        return redirect(url_for("reports.view", report_id=report.id, v=number))
    _, results = service.deidentify(get_db(), v)
    record_access("report.view", v, organisation_id=report.organisation_id,
                  report_id=report.id)
    return render_template("reports/deid.html", report=report, v=v, results=results)


@bp.route("/<int:report_id>/v/<int:number>/export/<fmt>")
@roles(*WRITERS)
def export(report_id: int, number: int, fmt: str) -> Any:
    report = _report(report_id)
    v = service.version(report, number) or abort(404)
    if fmt not in service.FORMATS:
        abort(404)
    try:
        out = service.export(get_db(), current_user(), v, fmt)
    except service.ReportError as e:
        flash(str(e), "error")
        return redirect(url_for("reports.view", report_id=report.id, v=number))
    get_db().commit()
    return Response(out.data, mimetype=out.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{out.filename}"'})


@bp.route("/<int:report_id>/diff")
@roles(*READERS)
def diff(report_id: int) -> str:
    report = _report(report_id)
    old = service.version(report, request.args.get("a", type=int) or 0)
    new = service.version(report, request.args.get("b", type=int) or 0)
    if old is None or new is None:
        abort(404)
    record_access("report.view", report, versions=[old.number, new.number])
    return render_template("reports/diff.html", report=report, old=old, new=new,
                           lines=service.diff(old, new))


@bp.route("/evidence")
@roles(*READERS)
def library() -> str:
    user = current_user()
    form = EvidenceSearchForm(request.args)
    form.code.choices = options([("", "Any outcome"), *service.outcome_choices(get_db())])
    form.organisation_id.choices = options(
        [("", "All my organisations"), *((str(o.id), o.name) for o in user.organisations)])
    items: list[evidence.Item] = []
    if form.validate():
        org = form.organisation_id.data
        items = evidence.search(get_db(), user, evidence.Search(
            code=form.code.data or None, polarity=form.polarity.data or None,
            start=form.start.data, end=form.end.data,
            organisation_id=int(org) if org and org.isdigit() else None,
            text=form.text.data or None,
            audience=ConsentLevel(form.audience.data or ConsentLevel.ANONYMISED_EXTERNAL.value),
            starred_only=form.starred.data == "1"))
    record_access("evidence.list", code=form.code.data or None,
                  polarity=form.polarity.data or None, text_search=bool(form.text.data),
                  starred_only=form.starred.data == "1", shown=len(items))
    return render_template("reports/evidence.html", form=form, items=items,
                           query=request.query_string.decode())


def _visible_tag(tag_id: int) -> None:
    """Another organisation's quote answers 404, like every record outside the user's."""
    if get_scoped(get_db(), Tag, tag_id, current_user()) is None:
        abort(404)


@bp.route("/evidence/<int:tag_id>/star", methods=["POST"])
@roles(*WRITERS)
def star(tag_id: int) -> Any:
    _visible_tag(tag_id)
    audience = request.form.get("audience", ConsentLevel.ANONYMISED_EXTERNAL.value)
    if audience not in {a.value for a in ConsentLevel}:
        abort(400)
    try:
        evidence.star(get_db(), current_user(), tag_id, ConsentLevel(audience))
        get_db().commit()
        flash("Quote starred for reports.", "success")
    except evidence.EvidenceError as e:
        flash(str(e), "error")
    return redirect(url_for("reports.library") + "?" + request.form.get("query", ""))


@bp.route("/evidence/<int:tag_id>/unstar", methods=["POST"])
@roles(*WRITERS)
def unstar(tag_id: int) -> Any:
    _visible_tag(tag_id)
    evidence.unstar(get_db(), current_user(), tag_id)
    get_db().commit()
    flash("Star removed.", "success")
    return redirect(url_for("reports.library") + "?" + request.form.get("query", ""))
