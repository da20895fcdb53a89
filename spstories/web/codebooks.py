"""Codebooks as readable documents."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from spstories.core.codebook import codebook_to_markdown
from spstories.core.markdown import render_markdown
from spstories.core.vocabulary import Role
from spstories.services.codebooks import spec_of
from spstories.services.overview import codebook_versions
from spstories.storage.models import Codebook
from spstories.web.access import any_role, current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db
from spstories.web.jobs import start_job

bp = Blueprint("codebooks", __name__, url_prefix="/codebooks")


@bp.route("/")
@any_role
def index() -> str:
    return render_template("codebooks/index.html", codebooks=codebook_versions(get_db()))


@bp.route("/<int:codebook_id>/retag", methods=["POST"])
@roles(Role.RESEARCHER, Role.MANAGER, Role.ADMIN)
def retag(codebook_id: int) -> Response:
    """Re-tag every narrative with this version, in the background."""
    if get_db().get(Codebook, codebook_id) is None:
        abort(404)
    job = start_job("retag", {"codebook_id": codebook_id}, current_user())
    return redirect(url_for("jobs.view", job_id=job.id))


@bp.route("/<int:codebook_id>")
@any_role
def view(codebook_id: int) -> str:
    row = get_db().get(Codebook, codebook_id)
    if row is None:
        abort(404)
    spec = spec_of(row)
    document = Markup(render_markdown(codebook_to_markdown(spec)))  # noqa: S704 - sanitised
    # Draft versions made from topic runs carry sentences of narratives as examples.
    record_access("codebook.view", row)
    return render_template("codebooks/view.html", codebook=row, document=document)
