"""Each role's home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from spstories.services.accounts import manageable_users
from spstories.services.overview import codebook_versions, overview
from spstories.web.access import any_role, current_user
from spstories.web.db import get_db

bp = Blueprint("home", __name__)


@bp.route("/")
@any_role
def index() -> str:
    user = current_user()
    db = get_db()
    context = {"overview": overview(db, user)}
    if user.role == "researcher":
        context["codebooks"] = codebook_versions(db)
    if user.role == "admin":
        # Only accounts the administrator may manage: other organisations' staff stay private.
        context["user_count"] = len(manageable_users(db, user))
        context["organisations"] = user.organisations
    return render_template(f"home/{user.role}.html", **context)
