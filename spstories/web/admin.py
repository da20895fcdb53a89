"""User administration."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from spstories.core.vocabulary import Role
from spstories.services.accounts import (
    AccountError,
    create_user,
    failed_logins,
    is_locked,
    manageable_user,
    manageable_users,
    organisations_for,
    unlock,
    update_user,
)
from spstories.web.access import current_user, roles
from spstories.web.db import get_db
from spstories.web.forms import UserForm, options

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _form(obj: object | None = None) -> UserForm:
    form = UserForm(obj=obj)
    form.organisations.choices = options((o.id, o.name) for o in current_user().organisations)
    return form


@bp.route("/users")
@roles(Role.ADMIN)
def users() -> str:
    db = get_db()
    people = manageable_users(db, current_user())
    locked = {u.id for u in people if is_locked(db, u.email)}
    return render_template("admin/users.html", users=people, locked=locked)


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_user() -> str | Response:
    form = _form()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append("Set a temporary password.")
        else:
            db = get_db()
            try:
                user = create_user(
                    db,
                    email=form.email.data or "",
                    name=form.name.data or "",
                    role=form.role.data or "",
                    password=form.password.data,
                    organisations=organisations_for(current_user(), form.organisations.data or []),
                    actor=current_user(),
                )
                if not form.active.data:
                    user.active = False
                db.commit()
            except AccountError as exc:
                db.rollback()
                form.form_errors.append(str(exc))
            else:
                flash(f"Created {user.email}.", "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None, failures=0, locked=False)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_user(user_id: int) -> str | Response:
    db = get_db()
    user = manageable_user(db, current_user(), user_id)
    if user is None:
        abort(404)
    form = _form(obj=user)
    form.email.render_kw = {"readonly": True}
    if not form.is_submitted():
        form.organisations.data = user.organisation_ids
    if form.validate_on_submit():
        admin_orgs = set(current_user().organisation_ids)
        # Memberships outside the administrator's organisations are not theirs to remove.
        kept = [o for o in user.organisations if o.id not in admin_orgs]
        try:
            update_user(
                db,
                user,
                actor=current_user(),
                role=form.role.data,
                organisations=organisations_for(current_user(), form.organisations.data or [])
                + kept,
                active=form.active.data,
                password=form.password.data or None,
            )
            db.commit()
        except AccountError as exc:
            db.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(f"Saved {user.email}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user,
                           failures=failed_logins(db, user.email), locked=is_locked(db, user.email))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles(Role.ADMIN)
def unlock_user(user_id: int) -> Response:
    """Let a locked-out person try again now rather than after the lockout."""
    db = get_db()
    user = manageable_user(db, current_user(), user_id)
    if user is None:
        abort(404)
    unlock(db, current_user(), user)
    db.commit()
    flash(f"Unlocked {user.email}: earlier failed logins no longer count.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))
