"""The mixed-methods dashboard: KPIs with the stories counted beside them, CSV per table."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request

from spstories.core.vocabulary import Role
from spstories.services import dashboard as service
from spstories.services.dashboard_tables import (
    Table,
    all_tables,
    coverage_warning,
)
from spstories.web.access import current_user, roles
from spstories.web.auditing import asked_for, record_access
from spstories.web.db import get_db
from spstories.web.query import date_arg, int_arg

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
VIEWERS = (Role.MANAGER, Role.RESEARCHER, Role.ADMIN)
FILTER_KEYS = ("start", "end", "organisation_id", "service", "link_worker_id", "source", "by",
               "include_modified", "confirmed_only")
CONFIRMED_ONLY = "Confirmed tags only"


def _filters() -> tuple[service.Filters, list[str]]:
    errors: list[str] = []
    start, end = date_arg("start", "Start date", errors), date_arg("end", "End date", errors)
    if start and end and start > end:
        errors.append("The start date is after the end date.")
    return service.Filters(
        start=start, end=end, organisation_id=int_arg("organisation_id"),
        service=request.args.get("service") or None, link_worker_id=int_arg("link_worker_id"),
        source=request.args.get("source") or None, by=request.args.get("by") or None,
        include_modified=request.args.get("include_modified") == "1",
        confirmed_only=request.args.get("confirmed_only") == "1",
    ), errors


def _query_string() -> str:
    return urlencode({k: request.args[k] for k in FILTER_KEYS if request.args.get(k)})


def _active(filters: service.Filters, choices: dict[str, list[tuple[str, str]]]) -> list[str]:
    """The filters in force, in words, for the summary above the figures."""
    def label(key: str, value: object) -> str:
        return dict(choices[key]).get(str(value), str(value))

    out = []
    if filters.start or filters.end:
        out.append(f"Referred {filters.start or '…'} to {filters.end or '…'}")
    for key, name in (("organisation_id", "Organisation"), ("service", "Service"),
                      ("link_worker_id", "Link worker"), ("source", "Referral source"),
                      ("by", "Broken down by")):
        value = getattr(filters, key)
        if value is not None:
            out.append(f"{name}: {label(key, value)}")
    if filters.include_modified:
        out.append("Modified administrations included")
    if filters.confirmed_only:
        out.append(CONFIRMED_ONLY)
    return out


@bp.route("/")
@roles(*VIEWERS)
def index() -> str:
    filters, errors = _filters()
    threshold = int(current_app.config["SMALL_NUMBER_THRESHOLD"])
    db = get_db()
    figures = service.build(db, current_user(), filters)
    tables = all_tables(figures, threshold)
    choices = service.filter_choices(db, current_user())
    record_access("dashboard.view", **asked_for(*FILTER_KEYS))
    return render_template(
        "dashboard/index.html",
        tables={t.slug: t for t in tables},
        figures=figures,
        filters=filters,
        errors=errors,
        choices=choices,
        active=_active(filters, choices),
        args=request.args,
        query=_query_string(),
        threshold=threshold,
        warning=coverage_warning(figures, service.CASE_STUDY_COVERAGE_WARNING),
    )


@bp.route("/<slug>.csv")
@roles(*VIEWERS)
def table_csv(slug: str) -> Response:
    filters, _ = _filters()
    threshold = int(current_app.config["SMALL_NUMBER_THRESHOLD"])
    figures = service.build(get_db(), current_user(), filters)
    table = next((t for t in all_tables(figures, threshold) if t.slug == slug), None)
    if table is None:
        abort(404)
    record_access("dashboard.export", table=slug, rows=len(table.rows), **asked_for(*FILTER_KEYS))
    return _csv(table)


def _csv(table: Table) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        # Cells starting with = + - @ could run as formulas in a spreadsheet.
        writer.writerow(["'" + c if c[:1] in ("=", "+", "@") else c for c in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="spstories-{table.slug}.csv"'},
    )


@bp.route("/evidence")
@roles(*VIEWERS)
def evidence() -> str:
    filters, _ = _filters()
    code = request.args.get("code") or None
    polarity = request.args.get("polarity") or None
    kind = request.args.get("kind", "all")
    if kind not in ("all", "confirmed", "machine") or polarity not in (
        None, "improved", "worsened", "unchanged"
    ):
        abort(404)
    quotes = service.evidence(get_db(), current_user(), filters, code=code, polarity=polarity,
                              kind=kind)
    record_access("evidence.list", code=code, polarity=polarity, kind=kind, shown=len(quotes),
                  **asked_for(*FILTER_KEYS))
    return render_template(
        "dashboard/evidence.html", quotes=quotes, code=code, polarity=polarity, kind=kind,
        query=_query_string(), confirmed_only=filters.confirmed_only,
    )
