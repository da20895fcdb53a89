"""Long work outside the request: a job row with progress, run on a background thread.

A task is a function ``task(session, params, progress) -> result`` registered
under a kind. The CLI runs tasks inline with a progress bar; the web app hands
them to a :class:`JobRunner`, and pages poll the job row for progress.

The job row is the truth every web process reads (gunicorn runs several, perhaps on
several machines): its status, its progress, the process that runs it (``runner``,
``host:pid``) and that process's last heartbeat. A job whose process died (a worker
killed, recycled or crashed) is marked failed as soon as any process notices: when a
runner starts, and whenever a page looks at the job.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
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
HEARTBEAT_SECONDS = 30.0
# A runner on another machine that has not beaten for this long is taken for dead.
STALE_AFTER = timedelta(minutes=5)
# On this machine a live process id is proof of life, unless its heartbeat is this old
# (the id was reused after a restart; allows for long writes that block heartbeats).
REUSED_AFTER = timedelta(hours=1)
# How long a progress write waits for SQLite's single writer before giving up this once.
_SQLITE_PROGRESS_WAIT_MS = 200
UNFINISHED = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


def register_task(kind: str) -> Callable[[Task], Task]:
    """Make a function runnable as a background job of this kind."""

    def decorate(task: Task) -> Task:
        TASKS[kind] = task
        return task

    return decorate


def runner_id() -> str:
    """This process, as job rows name it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def create_job(
    session: Session,
    kind: str,
    params: dict[str, Any],
    user: User | None,
    organisation_id: int | None = None,
) -> Job:
    """A queued job, owned by this process (which is the one that will run it)."""
    if kind not in TASKS:
        raise SpstoriesError(f"unknown job kind {kind!r}")
    job = Job(
        kind=kind,
        params=params,
        created_by_id=user.id if user else None,
        organisation_id=organisation_id,
        runner=runner_id(),
        heartbeat_at=utcnow(),
    )
    session.add(job)
    session.flush()
    audit.record(session, "job.create", user=user, obj=job, kind=kind)
    return job


def visible_jobs(session: Session, user: User, limit: int = 50) -> list[Job]:
    """The newest jobs of the user's organisations, and the user's own jobs that belong
    to no organisation (imports, whose results quote the file), newest first."""
    stmt = (
        select(Job)
        .where(or_(Job.organisation_id.in_(user.organisation_ids),
                   and_(Job.organisation_id.is_(None), Job.created_by_id == user.id)))
        .order_by(Job.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; they were written in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def runner_gone(job: Job, now: datetime | None = None) -> bool:
    """Whether the process that runs (or was to run) an unfinished job has died."""
    if job.status not in UNFINISHED or not job.runner:
        return False
    now = now or utcnow()
    host, _, pid = job.runner.rpartition(":")
    beat = _aware(job.heartbeat_at) or _aware(job.created_at) or now
    if host == socket.gethostname() and pid.isdigit():
        return not _pid_alive(int(pid)) or now - beat > REUSED_AFTER
    return now - beat > STALE_AFTER


def _interrupted(job: Job) -> None:
    started = job.status == JobStatus.RUNNING.value
    job.status, job.finished_at = JobStatus.FAILED.value, utcnow()
    job.message = (
        f"Interrupted: the server process {'running' if started else 'due to run'} this job "
        f"({job.runner}) stopped before it finished. Nothing it would have saved was saved; "
        "start the job again."
    )


def reap(session: Session, job: Job) -> bool:
    """Mark one job failed if its process died (the caller commits); True if it did."""
    if not runner_gone(job):
        return False
    log.warning("job %s (%s): runner %s is gone", job.id, job.kind, job.runner)
    _interrupted(job)
    return True


def reap_orphans(factory: sessionmaker[Session]) -> int:
    """Mark every unfinished job whose process died as failed; returns how many."""
    with session_scope(factory) as session:
        jobs = session.scalars(select(Job).where(Job.status.in_(UNFINISHED))).all()
        return sum(reap(session, job) for job in jobs)


@contextmanager
def _brief_write(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A short transaction of its own that gives up, rather than waits, while SQLite's
    one writer is busy (a task saving its results): the next update will land."""
    engine = factory.kw["bind"]
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={_SQLITE_PROGRESS_WAIT_MS}")
        try:
            yield connection
            connection.commit()
        except OperationalError as exc:  # "database is locked"
            log.debug("job row not updated this time: %s", exc)
            connection.rollback()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout=30000")


def _claim(factory: sessionmaker[Session], job_id: int) -> tuple[str, dict[str, Any]] | None:
    """Move a queued job to running, atomically, so no two processes run it."""
    with session_scope(factory) as session:
        now = utcnow()
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.RUNNING.value, started_at=now, heartbeat_at=now,
                    runner=runner_id())
        ).rowcount
        if not claimed:
            return None
        job = session.get(Job, job_id)
        return job.kind, dict(job.params)


def run_job(
    factory: sessionmaker[Session], job_id: int, live: dict[int, tuple[float, str]] | None = None
) -> None:
    """Run a queued job to the end, recording progress, result or failure.

    The task's work is one transaction. Progress goes to ``live`` (memory of this
    process) and to the job row in short transactions of its own, so every web process
    sees it; on SQLite a progress write that would have to wait for the task's own
    writes is skipped (tasks do their slow work before they write).
    """
    claimed = _claim(factory, job_id)
    if claimed is None:
        return
    kind, params = claimed
    last = 0.0

    def progress(fraction: float, message: str = "") -> None:
        nonlocal last
        fraction = max(0.0, min(1.0, fraction))
        if live is not None:
            live[job_id] = (fraction, message)
        now = time.monotonic()
        if now - last < PROGRESS_INTERVAL and fraction < 1:
            return
        last = now
        with _brief_write(factory) as connection:
            connection.execute(
                update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING.value)
                .values(progress=fraction, message=message, heartbeat_at=utcnow())
            )

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
    """One worker thread per app process, so jobs never compete for the two cores, and
    a heartbeat thread that tells other processes this one is alive."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spstories-job")
        self._futures: dict[int, Future[None]] = {}
        self.live: dict[int, tuple[float, str]] = {}
        self._stop = threading.Event()
        self._heart: threading.Thread | None = None
        self._recovered = False
        self.recover()

    def recover(self) -> None:
        """Mark the jobs of dead processes failed, once; a database not yet migrated
        is left for the first page that asks."""
        if self._recovered:
            return
        try:
            reap_orphans(self.factory)
        except SQLAlchemyError as exc:
            log.info("job recovery postponed: %s", exc)
            return
        self._recovered = True

    def submit(self, job_id: int) -> None:
        self.recover()
        self._futures[job_id] = self._pool.submit(run_job, self.factory, job_id, self.live)
        if self._heart is None:
            self._heart = threading.Thread(target=self._beat, name="spstories-job-heartbeat",
                                           daemon=True)
            self._heart.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            self.heartbeat()

    def heartbeat(self) -> None:
        """Record that this process is alive, on every unfinished job it owns."""
        ids = [job_id for job_id, future in self._futures.items() if not future.done()]
        if not ids:
            return
        with _brief_write(self.factory) as connection:
            connection.execute(
                update(Job).where(Job.id.in_(ids), Job.status.in_(UNFINISHED),
                                  Job.runner == runner_id())
                .values(heartbeat_at=utcnow())
            )

    def progress_of(self, job: Job) -> tuple[float, str]:
        """Progress of a job: live from this process while it runs, else as recorded."""
        return self.live.get(job.id, (job.progress, job.message))

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until a submitted job has finished (for the CLI and tests)."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)
