"""Codebooks as readable documents."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from markupsafe import Markup

from spstories.core.codebook import codebook_to_markdown, load_codebook_text
from spstories.core.markdown import render_markdown
from spstories.services.overview import codebook_versions
from spstories.storage.models import Codebook
from spstories.web.access import any_role
from spstories.web.db import get_db

bp = Blueprint("codebooks", __name__, url_prefix="/codebooks")


@bp.route("/")
@any_role
def index() -> str:
    return render_template("codebooks/index.html", codebooks=codebook_versions(get_db()))


@bp.route("/<int:codebook_id>")
@any_role
def view(codebook_id: int) -> str:
    row = get_db().get(Codebook, codebook_id)
    if row is None:
        abort(404)
    spec = load_codebook_text(row.source_yaml, f"{row.key} {row.version}")
    document = Markup(render_markdown(codebook_to_markdown(spec)))  # noqa: S704 - sanitised
    return render_template("codebooks/view.html", codebook=row, document=document)
