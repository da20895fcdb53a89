"""Exports for commissioners' data teams: the SP Information Standard files (managers)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField
from wtforms.validators import DataRequired, Optional

from spstories.core import sp_standard as spec
from spstories.core.vocabulary import Role
from spstories.services import sp_standard as service
from spstories.web.access import current_user, roles
from spstories.web.db import get_db
from spstories.web.forms import options

bp = Blueprint("exports", __name__, url_prefix="/exports")
EXPORTERS = (Role.MANAGER,)


class SpStandardForm(FlaskForm):
    organisation_ids = SelectMultipleField("Organisations", coerce=int, validators=[
        DataRequired("Choose at least one organisation.")])
    start = DateField("Referred from", validators=[Optional()])
    end = DateField("Referred to", validators=[Optional()])


@bp.route("/sp-standard", methods=["GET", "POST"])
@roles(*EXPORTERS)
def sp_standard() -> str | Response:
    user = current_user()
    form = SpStandardForm()
    form.organisation_ids.choices = options((o.id, o.name) for o in user.organisations)
    if not form.is_submitted():
        form.organisation_ids.data = user.organisation_ids
    if form.validate_on_submit():
        chosen = [o for o in user.organisations if o.id in set(form.organisation_ids.data or [])]
        db = get_db()
        try:
            data, about = service.export_zip(db, chosen, start=form.start.data,
                                             end=form.end.data, actor=user)
            db.commit()
        except service.ExportError as exc:
            db.rollback()
            form.start.errors = [str(exc)]
        else:
            name = f"sp-information-standard-{about['generated_at'][:10]}.zip"
            return Response(data, mimetype="application/zip",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return render_template("exports/sp_standard.html", form=form, files=spec.FILES,
                           concepts=spec.concepts())
