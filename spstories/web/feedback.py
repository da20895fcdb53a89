"""Feedback: the quick form, bulk paste and the list."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from spstories.core.vocabulary import FeedbackChannel, FeedbackSource, Role
from spstories.services import feedback as service
from spstories.services.documents import client_references, document_tags
from spstories.storage.models import Client, Feedback
from spstories.storage.queries import get_scoped
from spstories.web.access import any_role, current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db
from spstories.web.forms import options
from spstories.web.highlight import Span, highlight

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
RECORDERS = (Role.LINK_WORKER, Role.MANAGER)


class FeedbackForm(FlaskForm):
    organisation_id = SelectField("Organisation", coerce=int)
    source = RadioField(
        "Who is it from?",
        choices=options(FeedbackSource.choices()),
        default=FeedbackSource.CLIENT.value,
    )
    channel = RadioField(
        "How was it received?",
        choices=options(FeedbackChannel.choices()),
        default=FeedbackChannel.FOLLOW_UP_CALL.value,
    )
    formal = BooleanField("Formal feedback (e.g. a survey or complaint), not a passing comment")
    received_on = DateField("Date received", default=date.today, validators=[Optional()])
    client_reference = StringField("Client reference (optional)")
    text = TextAreaField("Feedback")

    def to_input(self) -> service.FeedbackInput:
        return service.FeedbackInput(
            organisation_id=self.organisation_id.data or 0,
            source=self.source.data or "",
            channel=self.channel.data or "",
            received_on=self.received_on.data,
            text=self.text.data or "",
            formal=bool(self.formal.data),
            client_reference=self.client_reference.data or "",
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            self._fields[name].errors = [*list(self._fields[name].errors), message]


def _form() -> FeedbackForm:
    form = FeedbackForm()
    form.organisation_id.choices = options((o.id, o.name) for o in current_user().organisations)
    return form


def _record(bulk: bool) -> str | Response:
    form = _form()
    if form.validate_on_submit():
        db = get_db()
        try:
            if bulk:
                count = len(service.record_pasted(db, current_user(), form.to_input()))
            else:
                service.record_feedback(db, current_user(), form.to_input())
                count = 1
            db.commit()
        except service.FeedbackError as exc:
            db.rollback()
            form.show_errors(exc.errors)
        else:
            flash(f"Saved {count} item{'s' if count != 1 else ''} of feedback.", "success")
            return redirect(url_for("feedback.paste" if bulk else "feedback.new"))
    return render_template(
        "feedback/form.html",
        form=form,
        bulk=bulk,
        clients=client_references(get_db(), current_user()),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*RECORDERS)
def new() -> str | Response:
    return _record(bulk=False)


@bp.route("/paste", methods=["GET", "POST"])
@roles(*RECORDERS)
def paste() -> str | Response:
    return _record(bulk=True)


@bp.route("/")
@any_role
def index() -> str:
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 500)
    items = service.recent_feedback(get_db(), current_user(), limit=limit)
    record_access("feedback.list", shown=len(items))
    return render_template("feedback/index.html", items=items)


@bp.route("/<int:feedback_id>")
@any_role
def view(feedback_id: int) -> str:
    db = get_db()
    item = get_scoped(db, Feedback, feedback_id, current_user())
    if item is None:
        abort(404)
    record_access("feedback.view", item)
    tags = document_tags(db, feedback_id=item.id)
    return render_template(
        "feedback/view.html",
        item=item,
        tags=tags,
        client=db.get(Client, item.client_id) if item.client_id else None,
        highlighted=highlight(
            item.text, [Span(t.start_offset, t.end_offset, t.code.key, t.polarity) for t in tags]
        ),
    )
