"""Long work outside the request: a job row with progress, run on a background thread.

A task is a function ``task(session, params, progress) -> result`` registered
under a kind. The CLI runs tasks inline with a progress bar; the web app hands
them to a :class:`JobRunner`, and pages poll the job row for progress.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from spstories.core.vocabulary import JobStatus
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.storage.db import session_scope
from spstories.storage.models import Job, User
from spstories.storage.models.base import utcnow

Progress = Callable[[float, str], None]
Task = Callable[[Session, dict[str, Any], Progress], dict[str, Any]]
TASKS: dict[str, Task] = {}
log = logging.getLogger(__name__)
# Writing progress on every step would make the job table the bottleneck.
PROGRESS_INTERVAL = 0.5


def register_task(kind: str) -> Callable[[Task], Task]:
    """Make a function runnable as a background job of this kind."""

    def decorate(task: Task) -> Task:
        TASKS[kind] = task
        return task

    return decorate


def create_job(
    session: Session,
    kind: str,
    params: dict[str, Any],
    user: User | None,
    organisation_id: int | None = None,
) -> Job:
    if kind not in TASKS:
        raise SpstoriesError(f"unknown job kind {kind!r}")
    job = Job(
        kind=kind,
        params=params,
        created_by_id=user.id if user else None,
        organisation_id=organisation_id,
    )
    session.add(job)
    session.flush()
    audit.record(session, "job.create", user=user, obj=job, kind=kind)
    return job


def run_job(
    factory: sessionmaker[Session], job_id: int, live: dict[int, tuple[float, str]] | None = None
) -> None:
    """Run a queued job to the end, recording progress, result or failure.

    The task's work is one transaction. Progress goes to ``live`` (memory shared
    with the web process) and, where the database allows concurrent writers
    (PostgreSQL), to the job row as well; SQLite has one writer at a time and the
    task is it.
    """
    with session_scope(factory) as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.QUEUED.value:
            return
        job.status, job.started_at = JobStatus.RUNNING.value, utcnow()
        kind, params = job.kind, dict(job.params)
    last = 0.0
    shared_writes = factory.kw["bind"].dialect.name != "sqlite"

    def progress(fraction: float, message: str = "") -> None:
        nonlocal last
        fraction = max(0.0, min(1.0, fraction))
        if live is not None:
            live[job_id] = (fraction, message)
        now = time.monotonic()
        if not shared_writes or (now - last < PROGRESS_INTERVAL and fraction < 1):
            return
        last = now
        with session_scope(factory) as session:
            row = session.get(Job, job_id)
            if row is not None:
                row.progress, row.message = fraction, message

    try:
        with session_scope(factory) as session:
            result = TASKS[kind](session, params, progress)
    except Exception as exc:  # a failed job must say why, not vanish with the thread
        log.exception("job %s (%s) failed", job_id, kind)
        if live is not None:
            live.pop(job_id, None)
        with session_scope(factory) as session:
            row = session.get(Job, job_id)
            row.status, row.finished_at = JobStatus.FAILED.value, utcnow()
            row.message = (
                str(exc) if isinstance(exc, SpstoriesError) else f"{type(exc).__name__}: {exc}"
            )
        return
    with session_scope(factory) as session:
        row = session.get(Job, job_id)
        row.status, row.finished_at, row.progress = JobStatus.DONE.value, utcnow(), 1.0
        row.result, row.message = result, "Finished."
    if live is not None:
        live.pop(job_id, None)


class JobRunner:
    """One worker thread per app process, so jobs never compete for the two cores."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spstories-job")
        self._futures: dict[int, Future[None]] = {}
        self.live: dict[int, tuple[float, str]] = {}

    def submit(self, job_id: int) -> None:
        self._futures[job_id] = self._pool.submit(run_job, self.factory, job_id, self.live)

    def progress_of(self, job: Job) -> tuple[float, str]:
        """Progress of a job: live from this process while it runs, else as recorded."""
        return self.live.get(job.id, (job.progress, job.message))

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until a submitted job has finished (for the CLI and tests)."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
