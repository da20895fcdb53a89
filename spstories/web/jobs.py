"""Job status: a list of recent jobs, a page per job and a JSON view that the page polls.

Any web process can answer for any job: status and progress are read from the job row
(live from memory when this process runs it), and a job whose process died is marked
failed when it is looked at.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from spstories.services.jobs import JobRunner, create_job, reap, visible_jobs
from spstories.storage.models import Job, User
from spstories.web.access import any_role, current_user
from spstories.web.db import get_db

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def init_app(app: Flask) -> None:
    app.extensions["spstories.jobs"] = JobRunner(app.extensions["spstories.sessions"])


def _runner() -> JobRunner:
    return current_app.extensions["spstories.jobs"]


def start_job(kind: str, params: dict, user: User, organisation_id: int | None = None,
              prepare: Callable[[Job], object] | None = None) -> Job:
    """Create a job in this request's transaction, commit, and run it in the background.

    ``prepare`` gets the new job before the commit (to point a record at it).
    """
    db = get_db()
    job = create_job(db, kind, params, user, organisation_id)
    if prepare is not None:
        prepare(job)
    db.commit()
    _runner().submit(job.id)
    return job


def reap_job(job: Job) -> None:
    """Mark the job failed if the process running it has died."""
    _runner().recover()
    if reap(get_db(), job):
        get_db().commit()


def job_progress(job: Job) -> tuple[float, str]:
    return _runner().progress_of(job)


def _visible(job_id: int) -> Job:
    job = get_db().get(Job, job_id)
    user = current_user()
    if (
        job is None
        or (job.organisation_id is not None and job.organisation_id not in user.organisation_ids)
        or (job.organisation_id is None and job.created_by_id != user.id)
    ):
        abort(404)
    reap_job(job)
    return job


@bp.route("/")
@any_role
def index() -> str:
    """Recent jobs of the user's organisations and the user's own."""
    _runner().recover()
    db = get_db()
    jobs = visible_jobs(db, current_user())
    if [job for job in jobs if reap(db, job)]:
        db.commit()
    return render_template("jobs/index.html", jobs=[(job, job_progress(job)) for job in jobs])


@bp.route("/<int:job_id>")
@any_role
def view(job_id: int) -> str:
    job = _visible(job_id)
    progress, message = job_progress(job)
    return render_template("jobs/view.html", job=job, progress=progress, message=message)


@bp.route("/<int:job_id>.json")
@any_role
def status(job_id: int) -> Response:
    job = _visible(job_id)
    progress, message = job_progress(job)
    return jsonify(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=progress,
        message=message,
        result=job.result,
    )
