"""Clients: the list and search, a new client with a referral, measures, and the timeline."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from spstories.core.measures import load_instruments
from spstories.core.vocabulary import AgeBand, EthnicGroup, Gender, Role
from spstories.services import clients as service
from spstories.services import measures
from spstories.services.subject_access import can_answer_rights
from spstories.storage.models import Client, MeasureResponse
from spstories.web.access import any_role, current_user, roles
from spstories.web.auditing import record_access
from spstories.web.client_forms import (
    ClientForm,
    MeasureForm,
    has_errors,
    options,
    read_answers,
    show_errors,
)
from spstories.web.db import get_db, get_or_404

bp = Blueprint("clients", __name__, url_prefix="/clients")
RECORDERS = (Role.LINK_WORKER, Role.MANAGER)
CHANGE_LABELS = {
    "improved": "Improved",
    "no_change": "No meaningful change",
    "deteriorated": "Deteriorated",
}


def _load(client_id: int) -> Client:
    return get_or_404(Client, client_id)


def _can_record() -> bool:
    return current_user().has_role(*RECORDERS)


@bp.route("/")
@any_role
def index() -> str:
    search = request.args.get("q", "").strip()[:64]
    user = current_user()
    items = service.list_clients(get_db(), user, search)
    record_access("client.list", search=search, shown=len(items))
    return render_template(
        "clients/index.html",
        items=items,
        q=search,
        can_record=_can_record(),
        latest=service.latest_referral,
        org_names={o.id: o.name for o in user.organisations} if len(user.organisations) > 1 else {},
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*RECORDERS)
def new() -> str | Response:
    user = current_user()
    form = ClientForm()
    form.organisation_id.choices = options((o.id, o.name) for o in user.organisations)
    if request.method == "POST":
        form.validate()
        db = get_db()
        client_data, referral_data = form.client_input(), form.referral_input()
        show_errors(
            form,
            {
                **service.check_client(db, user, client_data),
                **service.check_referral(referral_data),
            },
        )
        if not has_errors(form):
            try:
                client = service.create_client(db, user, client_data, referral_data)
                db.commit()
            except (service.ClientError, IntegrityError):
                # Someone saved the same reference a moment ago; nothing of ours was kept.
                db.rollback()
                show_errors(
                    form,
                    {
                        "reference": "There is already a client with this "
                        "reference in this organisation."
                    },
                )
            else:
                flash(f"Client {client.reference} added with their referral.", "success")
                return redirect(url_for("clients.timeline", client_id=client.id))
    return render_template("clients/new.html", form=form)


@bp.route("/<int:client_id>")
@any_role
def timeline(client_id: int) -> str:
    db = get_db()
    client = _load(client_id)
    user = current_user()
    record_access("client.view", client)
    return render_template(
        "clients/timeline.html",
        client=client,
        entries=service.timeline(db, user, client),
        pairs=service.outcome_pairs(db, user, client),
        instruments=load_instruments().values(),
        can_record=_can_record(),
        change_labels=CHANGE_LABELS,
        AgeBand=AgeBand,
        Gender=Gender,
        EthnicGroup=EthnicGroup,
        organisation=next((o for o in user.organisations if o.id == client.organisation_id), None),
        can_answer_rights=can_answer_rights(user, client),
    )


@bp.route("/<int:client_id>/measures/new", methods=["GET", "POST"])
@roles(*RECORDERS)
def record_measure(client_id: int) -> str | Response:
    client = _load(client_id)
    instruments = load_instruments()
    instrument_id = request.args.get("instrument", "")
    if request.method == "GET":
        record_access("client.view", client, instrument=instrument_id or None)
    if not instrument_id:
        return render_template(
            "clients/choose_instrument.html", client=client, instruments=instruments.values()
        )
    instrument = instruments.get(instrument_id)
    if instrument is None:
        abort(404)
    form = MeasureForm()
    form.set_instrument(instrument)
    typed: dict[str, str] = {}
    item_errors: dict[str, list[str]] = defaultdict(list)
    if request.method == "POST":
        form_ok = form.validate()
        typed, answers = read_answers(instrument, request.form)
        db = get_db()
        try:
            if form_ok:
                response = measures.record_response(
                    db,
                    client,
                    instrument_id=instrument.id,
                    answers=answers,  # type: ignore[arg-type]
                    actor=current_user(),
                    **form.details(),
                )
            else:
                measures.check_response(instrument, answers=answers, **form.details())
        except measures.ResponseEntryError as exc:
            db.rollback()
            for item_id, message in exc.item_problems:
                if item_id in typed:
                    item_errors[item_id].append(message)
                else:
                    form.form_errors.append(message)
            show_errors(form, exc.fields)
        else:
            if form_ok:
                db.commit()
                flash(
                    f"Saved {instrument.short_name} ({_timepoint(response)}) for "
                    f"{client.reference}.",
                    "success",
                )
                return redirect(
                    url_for(
                        "clients.timeline", client_id=client.id, _anchor=f"measure-{response.id}"
                    )
                )
    return render_template(
        "clients/measure_form.html",
        client=client,
        instrument=instrument,
        form=form,
        typed=typed,
        item_errors=item_errors,
    )


def _timepoint(response: MeasureResponse) -> str:
    if response.review_number is not None:
        return f"review {response.review_number}"
    return response.timepoint
