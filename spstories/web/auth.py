"""Logging in and out."""

from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from spstories.services.accounts import LoginError, authenticate
from spstories.services.audit import record
from spstories.web.access import any_role, current_user, public
from spstories.web.db import get_db
from spstories.web.forms import LoginForm
from spstories.web.redirects import local_path

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    return local_path(target, url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_db()
        try:
            user = authenticate(db, form.email.data or "", form.password.data or "",
                                address=request.remote_addr or "")
        except LoginError as exc:
            db.commit()  # keep the failed attempt in the audit trail
            error = str(exc)
        else:
            db.commit()
            session.clear()  # a fresh session at login prevents session fixation
            session.permanent = True
            session["user_id"] = user.id
            session["login_at"] = session["seen_at"] = time.time()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@any_role
def logout() -> Response:
    db = get_db()
    record(db, "logout", user=current_user(), address=request.remote_addr or "")
    db.commit()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))
