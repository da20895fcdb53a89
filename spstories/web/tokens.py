"""Account pages for the API: personal tokens (make, see, revoke) and the API's reference."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from spstories.core.vocabulary import Role
from spstories.services import tokens as service
from spstories.storage.models.base import utcnow
from spstories.web.access import any_role, current_user
from spstories.web.api.openapi import document
from spstories.web.api.registry import OPERATIONS
from spstories.web.api.writes import IDEMPOTENCY_KEY
from spstories.web.db import get_db

bp = Blueprint("tokens", __name__, url_prefix="/account")
WRITERS = (Role.LINK_WORKER, Role.MANAGER)


class TokenForm(FlaskForm):
    name = StringField("What will use it?", validators=[
        DataRequired("Say what the token is for, e.g. 'Case management sync'."),
        Length(max=service.MAX_NAME)])
    expires_on = DateField("Expires on", validators=[Optional()],
                           description="At most a year from today; 90 days if left empty.")
    can_write = BooleanField("Allow it to add feedback and clients (write access)")


def _page(form: TokenForm, new: service.NewToken | None = None) -> str:
    db, user = get_db(), current_user()
    return render_template("account/tokens.html", form=form, new=new,
                           tokens=service.tokens_of(db, user), state=service.state,
                           aware=service.aware, can_write=user.has_role(*WRITERS))


@bp.route("/tokens", methods=["GET", "POST"])
@any_role
def index() -> str:
    form = TokenForm()
    if not form.is_submitted():
        form.expires_on.data = (utcnow() + service.DEFAULT_LIFETIME).date()
    if form.validate_on_submit():
        db = get_db()
        try:
            new = service.create_token(
                db, current_user(), form.name.data or "", expires_on=form.expires_on.data,
                can_write=bool(form.can_write.data) and current_user().has_role(*WRITERS),
                actor=current_user())
            db.commit()
        except service.TokenError as exc:
            db.rollback()
            getattr(form, exc.field or "name").errors = [str(exc)]
        else:
            # The secret is rendered once, here; it is never put in the session or a flash.
            return _page(TokenForm(formdata=None, expires_on=form.expires_on.data), new)
    return _page(form)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@any_role
def revoke(token_id: int) -> Response:
    db = get_db()
    token = service.own_token(db, current_user(), token_id)
    if token is None:
        abort(404)
    service.revoke_token(db, token, actor=current_user())
    db.commit()
    flash(f"Revoked the token {token.name!r}; it no longer works.", "success")
    return redirect(url_for("tokens.index"))


@bp.route("/api")
@any_role
def api_reference() -> str:
    """The API described for people, from the same declarations as the OpenAPI document."""
    doc = document()
    return render_template("account/api.html", operations=OPERATIONS, doc=doc,
                           schemas=doc["components"]["schemas"], idempotency=IDEMPOTENCY_KEY)
