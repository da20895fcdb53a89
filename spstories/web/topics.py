"""Inductive topics: start a run, follow it, read the topics, promote one to a draft code."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from spstories.core.charts import Bar, bar_chart
from spstories.core.topics.model import TopicParams, backend_note
from spstories.core.topics.results import OUTLIER
from spstories.core.vocabulary import Role
from spstories.errors import SpstoriesError
from spstories.paths import MODELS_DIR
from spstories.services.overview import codebook_versions
from spstories.services.topics import create_run, promote_topic, visible_runs
from spstories.storage.models import Codebook, TopicRun
from spstories.storage.queries import get_scoped
from spstories.web.access import current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db
from spstories.web.forms import options
from spstories.web.jobs import start_job
from spstories.web.topic_forms import PromoteForm, TopicRunForm

bp = Blueprint("topics", __name__, url_prefix="/topics")
READERS = (Role.RESEARCHER, Role.MANAGER, Role.ADMIN)


def _run(run_id: int) -> TopicRun:
    run = get_scoped(get_db(), TopicRun, run_id, current_user())
    if run is None:
        abort(404)
    return run


@bp.route("/", methods=["GET", "POST"])
@roles(*READERS)
def index() -> str | Response:
    user = current_user()
    form = TopicRunForm()
    form.organisation.choices = options((o.id, o.name) for o in user.organisations)
    codebooks = codebook_versions(get_db())
    form.codebook.choices = options((c.id, f"{c.title} ({c.key} {c.version})")
                                    for c in codebooks)
    if user.role == Role.RESEARCHER.value and form.validate_on_submit():
        params = TopicParams(level=form.level.data, residual=form.residual.data,
                             n_topics=form.n_topics.data or None,
                             min_topic_size=form.min_topic_size.data, seed=form.seed.data or 0)
        filters = {"kinds": form.kinds.data,
                   "since": form.since.data and form.since.data.isoformat(),
                   "until": form.until.data and form.until.data.isoformat()}
        db = get_db()
        try:
            run = create_run(db, user, form.organisation.data,
                             db.get(Codebook, form.codebook.data), params, filters)
        except SpstoriesError as exc:
            form.form_errors.append(str(exc))
        else:
            models_dir = str(current_app.config.get("MODELS_DIR") or MODELS_DIR)
            start_job("topics", {"run_id": run.id, "models_dir": models_dir}, user,
                      run.organisation_id, prepare=lambda job: setattr(run, "job_id", job.id))
            return redirect(url_for("topics.view", run_id=run.id))
    return render_template("topics/index.html", form=form, runs=visible_runs(get_db(), user),
                           note=backend_note(), can_run=user.role == Role.RESEARCHER.value)


@bp.route("/runs/<int:run_id>")
@roles(*READERS)
def view(run_id: int) -> str:
    run = _run(run_id)
    job = run.job
    progress, message = (current_app.extensions["spstories.jobs"].progress_of(job)
                         if job else (0.0, ""))
    topics = [t for t in run.topics if t.number != OUTLIER]
    months = sorted({m for t in topics for m in t.over_time})
    charts = {}
    if topics:
        charts["sizes"] = Markup(bar_chart(  # noqa: S704 - escaped by core.charts
            "Texts per topic", [Bar(f"{t.number}: {t.label}", t.size) for t in topics]))
        totals = [sum(t.over_time.get(m, 0) for t in topics) for m in months]
        bars = [Bar(m, n) for m, n in zip(months, totals, strict=True)]
        charts["months"] = Markup(  # noqa: S704 - escaped by core.charts
            bar_chart("Texts in a topic, per month", bars))
    codebook = get_db().get(Codebook, run.codebook_id) if run.codebook_id else None
    record_access("topics.view", run, topics=len(topics))
    return render_template("topics/view.html", run=run, job=job, progress=progress,
                           message=message, topics=topics, months=months, charts=charts,
                           codebook=codebook, note=backend_note(run.params.get("backend", "tfidf")),
                           can_promote=current_user().role == Role.RESEARCHER.value)


@bp.route("/runs/<int:run_id>/topics/<int:number>/promote", methods=["GET", "POST"])
@roles(Role.RESEARCHER)
def promote(run_id: int, number: int) -> str | Response:
    run = _run(run_id)
    topic = next((t for t in run.topics if t.number == number and number != OUTLIER), None)
    if topic is None:
        abort(404)
    form = PromoteForm(data={
        "label": topic.label.replace(" / ", " and ").capitalize(),
        "definition": f"DRAFT from topic run {run.id}: texts about "
                      f"{', '.join(w for w, _ in topic.terms[:6])}. Edit before use.",
    })
    if form.validate_on_submit():
        try:
            row = promote_topic(get_db(), current_user(), topic, label=form.label.data,
                                definition=form.definition.data, polarity=form.polarity.data)
        except SpstoriesError as exc:
            form.form_errors.append(str(exc))
        else:
            get_db().commit()
            flash(f"Added draft code {topic.promoted_code_key!r} in {row.key} {row.version}.")
            return redirect(url_for("codebooks.view", codebook_id=row.id))
    record_access("topics.view", run, topic=topic.number)
    return render_template("topics/promote.html", run=run, topic=topic, form=form)

