"""The audit log for administrators: filter, page through, download as CSV, check the chain.

Nothing here changes or removes an event: the trail is append-only down to the database.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request, url_for

from spstories.core.audit_words import OBJECT_NAMES
from spstories.core.vocabulary import Role
from spstories.services import audit_log
from spstories.services.accounts import manageable_users
from spstories.web.access import current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db
from spstories.web.query import date_arg, int_arg

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
FILTER_KEYS = ("user", "organisation", "action", "object_type", "object_id", "client", "since",
               "until")


def _filters() -> tuple[audit_log.LogFilters, list[str]]:
    errors: list[str] = []
    since, until = date_arg("since", "From", errors), date_arg("until", "To", errors)
    if since and until and since > until:
        errors.append("The 'from' date is after the 'to' date.")
    for name, label in (("user", "Person"), ("organisation", "Organisation"),
                        ("object_id", "Record number")):
        if request.args.get(name, "").strip() and int_arg(name) is None:
            errors.append(f"{label}: choose one of the options or give a whole number.")
    return audit_log.LogFilters(
        user_id=int_arg("user"), organisation_id=int_arg("organisation"),
        action=request.args.get("action", "").strip()[:60] or None,
        object_type=request.args.get("object_type", "").strip()[:40] or None,
        object_id=int_arg("object_id"),
        client_reference=request.args.get("client", "").strip()[:64] or None,
        since=since, until=until), errors


def _query() -> dict[str, str]:
    return {k: request.args[k] for k in FILTER_KEYS if request.args.get(k)}


@bp.route("/")
@roles(Role.ADMIN)
def index() -> str:
    admin = current_user()
    filters, errors = _filters()
    page = audit_log.search(get_db(), admin, filters, request.args.get("page", 1, type=int))
    record_access("audit.view", filters=filters.to_json(), page_number=page.number)
    return render_template(
        "admin/audit.html", page=page, filters=filters, errors=errors, args=request.args,
        query=_query(),
        people=[(u.id, f"{u.name} ({u.email})") for u in manageable_users(get_db(), admin)],
        organisations=[(o.id, o.name) for o in admin.organisations],
        actions=audit_log.action_choices(),
        object_types=sorted(OBJECT_NAMES.items(), key=lambda kv: kv[1]))


@bp.route("/export.csv")
@roles(Role.ADMIN)
def export() -> Response:
    filters, _errors = _filters()
    db = get_db()
    data, _rows = audit_log.export_csv(db, current_user(), filters)
    db.commit()
    return Response(data, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="spstories-audit-{date.today()}.csv"'})


@bp.route("/verify")
@roles(Role.ADMIN)
def verify() -> str:
    db = get_db()
    result = audit_log.verify(db, current_user())
    db.commit()
    return render_template("admin/audit_verify.html", result=result,
                           back=url_for("audit.index"))
