"""A client's rights: download everything held about them, or erase them (managers and
administrators of the client's organisation)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from spstories.core.vocabulary import Role
from spstories.services import erasure, subject_access
from spstories.services.subject_access import ClientRightsError
from spstories.storage.models import Client
from spstories.web.access import current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db, get_or_404

bp = Blueprint("client_rights", __name__, url_prefix="/clients")
RIGHTS_STAFF = (Role.MANAGER, Role.ADMIN)


@bp.route("/<int:client_id>/subject-access", methods=["POST"])
@roles(*RIGHTS_STAFF)
def subject_access_download(client_id: int) -> Response:
    db = get_db()
    download = subject_access.export(db, current_user(), get_or_404(Client, client_id))
    db.commit()
    return Response(download.data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{download.filename}"'})


@bp.route("/<int:client_id>/erase", methods=["GET", "POST"])
@roles(*RIGHTS_STAFF)
def erase(client_id: int) -> str | BaseResponse:
    db = get_db()
    client = get_or_404(Client, client_id)
    error = None
    if request.method == "POST":
        reference = client.reference
        try:
            done = erasure.erase(db, current_user(), client, request.form.get("reference", ""))
        except ClientRightsError as exc:
            db.rollback()
            error = str(exc)
        else:
            db.commit()
            flash(f"Client {reference} and everything held about them were erased "
                  f"({sum(done.rows.values())} records).", "success")
            for e in done.exports:
                flash(f"Report “{e.title}” version {e.version} was exported as {e.format} on "
                      f"{e.exported_at:%d %b %Y} with their words: deal with copies outside "
                      "spstories by hand.", "warning")
            return redirect(url_for("clients.index"))
    plan = erasure.plan(db, current_user(), client)
    record_access("client.view", client)
    return render_template("clients/erase.html", client=client, plan=plan, error=error)
