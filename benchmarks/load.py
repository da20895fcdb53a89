"""Load: concurrent link workers submitting case studies and feedback to gunicorn, then every
record counted in the database: none lost, none duplicated.

    .venv/bin/python benchmarks/load.py                     # SQLite (WAL), and PostgreSQL
                                                            # when DATABASE_URL is set
    .venv/bin/python benchmarks/load.py --seconds 10 --clients 10 --only sqlite

For each database a fresh one is made (a temporary SQLite file; a new database on the
PostgreSQL server that ``DATABASE_URL`` or ``--postgres`` names, dropped afterwards), with one
organisation, a link worker and a client per simulated worker. gunicorn is started with the
repository's ``gunicorn.conf.py`` and ``--workers`` processes, and the simulated link workers
(threads, real HTTP, as through the HTTPS reverse proxy) each log in and then, until the time
is up, open the feedback form, post feedback, open the case-study form and submit a case
study for approval, each text carrying a marker unique to that submission. The app tags each
one inside the request, as it always does.

Every client keeps a ledger: a marker is *accepted* when the server answered with the
redirect that follows a save, *failed* otherwise (an error page, a timeout, a dropped
connection). Afterwards the rows are read back: *lost* = accepted but absent, *duplicated* =
present more than once, *saved after a failure* = present though the client saw an error
(not a loss, but worth knowing). Error rate and p50/p95 latency are printed per database; the
exit status is 1 if anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from spstories.services.accounts import create_organisation, create_user
from spstories.services.codebooks import sync_shipped_codebooks
from spstories.storage.db import make_engine, make_session_factory, normalise_url, session_scope
from spstories.storage.db import upgrade as migrate
from spstories.storage.models import CaseStudy, Client, Feedback
from tests.gunicorn_server import Gunicorn, ProxiedClient

PASSWORD = "load test password"  # noqa: S105 - made-up accounts in a throwaway database
STORY = ("Referred by the GP after a bereavement. Joined the walking group and the lunch club; "
         "no longer feels lonely and has started volunteering at the food bank. {marker}")
FEEDBACK = "The choir has given me something to look forward to every week. {marker}"
_DRAFT_KEY = re.compile(r'name="draft_key"[^>]*value="([^"]+)"')


@dataclass
class Ledger:
    """What one simulated link worker sent and what the server said."""

    accepted: dict[str, list[str]] = field(default_factory=lambda: {"feedback": [],
                                                                     "case_study": []})
    failed: dict[str, list[str]] = field(default_factory=lambda: {"feedback": [],
                                                                   "case_study": []})
    pages: list[float] = field(default_factory=list)
    submissions: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0


@dataclass(frozen=True)
class Reconciliation:
    accepted: int
    lost: list[str]
    duplicated: list[str]
    saved_after_failure: list[str]
    unknown: list[str]


def reconcile(accepted: Iterable[str], failed: Iterable[str],
              stored: Counter[str]) -> Reconciliation:
    """Compare what clients were told was saved with what the database holds."""
    accepted, failed = list(accepted), set(failed)
    return Reconciliation(
        accepted=len(accepted),
        lost=sorted(m for m in accepted if stored[m] == 0),
        duplicated=sorted(m for m, n in stored.items() if n > 1),
        saved_after_failure=sorted(m for m in failed if stored[m] > 0),
        unknown=sorted(m for m in stored if m not in failed and m not in set(accepted)),
    )


def markers_in(texts: Iterable[str], run: str) -> Counter[str]:
    """How many times each of this run's markers occurs in the stored texts."""
    pattern = re.compile(rf"\bLDM-{re.escape(run)}-\d+-\d+\b")
    found: Counter[str] = Counter()
    for body in texts:
        found.update(pattern.findall(body or ""))
    return found


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- one database --------------------------------------------------------------------


def prepare(url: str, clients: int) -> tuple[int, list[tuple[str, str]]]:
    """Schema, codebooks, one organisation, a link worker and a client per simulated worker."""
    engine = make_engine(url)
    migrate(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        sync_shipped_codebooks(session)
    with session_scope(factory) as session:
        org = create_organisation(session, "Load Test Social Prescribing")
        workers = []
        for i in range(clients):
            email = f"lw{i:03d}@load.test"
            create_user(session, email=email, name=f"Link worker {i}", role="link_worker",
                        password=PASSWORD, organisations=[org])
            reference = f"LOAD-{i:03d}"
            session.add(Client(organisation_id=org.id, reference=reference))
            workers.append((email, reference))
        session.flush()
        org_id = org.id
    engine.dispose()
    return org_id, workers


class Clock:
    """The run's start and deadline, set once every client has logged in."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.began = self.deadline = 0.0

    def start(self) -> None:
        self.began = time.monotonic()
        self.deadline = self.began + self.seconds


def link_worker(server: Gunicorn, run: str, number: int, email: str, reference: str,
                org_id: int, clock: Clock, start: threading.Barrier, ledger: Ledger) -> None:
    """Log in, then submit feedback and case studies until the deadline (password hashing
    is slow on purpose, so the clock starts only when everyone has logged in)."""
    with ProxiedClient(server.url, client_address=f"10.0.{number // 250}.{number % 250 + 1}",
                       timeout=120) as browser:
        if browser.login(email, PASSWORD).status != 302:
            ledger.errors["login failed"] += 1
            start.wait()
            return
        start.wait()
        sequence = 0
        while time.monotonic() < clock.deadline:
            for kind in ("feedback", "case_study"):
                if time.monotonic() >= clock.deadline:
                    break
                sequence += 1
                marker = f"LDM-{run}-{number}-{sequence}"
                _submit(browser, kind, marker, reference, org_id, ledger)


def _submit(browser: ProxiedClient, kind: str, marker: str, reference: str, org_id: int,
            ledger: Ledger) -> None:
    path = "/feedback/new" if kind == "feedback" else "/case-studies/new"
    try:
        started = time.perf_counter()
        page = browser.get(path)
        ledger.pages.append(time.perf_counter() - started)
        ledger.requests += 1
        if page.status != 200:
            ledger.errors[f"form {page.status}"] += 1
            return
        form = {"csrf_token": page.csrf_token(), "organisation_id": str(org_id)}
        if kind == "feedback":
            form |= {"source": "client", "channel": "follow_up_call",
                     "received_on": date.today().isoformat(),
                     "text": FEEDBACK.format(marker=marker)}
            expected = "/feedback"
        else:
            draft_key = _DRAFT_KEY.search(page.text)
            form |= {"draft_key": draft_key.group(1) if draft_key else uuid.uuid4().hex,
                     "client_reference": reference, "title": f"Story {marker}",
                     "referral_source": "gp", "narrative": STORY.format(marker=marker),
                     "consent_level": "internal", "consent_given_on": date.today().isoformat(),
                     "consent_method": "written", "action": "submit"}
            expected = "/case-studies/"
        started = time.perf_counter()
        reply = browser.post(path, form)
        ledger.submissions.append(time.perf_counter() - started)
        ledger.requests += 1
    except OSError as exc:  # timeouts and dropped connections: the client cannot know
        ledger.requests += 1
        ledger.errors[type(exc).__name__] += 1
        ledger.failed[kind].append(marker)
        browser.close()
        return
    if reply.status == 302 and expected in reply.headers.get("Location", ""):
        ledger.accepted[kind].append(marker)
    else:
        ledger.errors[f"{kind} {reply.status}"] += 1
        ledger.failed[kind].append(marker)


def run_against(label: str, url: str, args: argparse.Namespace, workdir: Path) -> bool:
    """Run the load against one database; print the figures; True when nothing was lost."""
    run = uuid.uuid4().hex[:8]
    org_id, workers = prepare(url, args.clients)
    server = Gunicorn(url, workdir / f"gunicorn-{label}.log", workers=args.workers)
    ledgers = [Ledger() for _ in workers]
    clock = Clock(args.seconds)
    try:
        start = threading.Barrier(len(workers), action=clock.start)
        threads = [
            threading.Thread(target=link_worker, daemon=True, args=(
                server, run, number, email, reference, org_id, clock, start, ledger))
            for number, ((email, reference), ledger) in enumerate(zip(workers, ledgers,
                                                                      strict=True))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - clock.began
    finally:
        server.stop()

    engine = make_engine(url)
    with engine.connect() as connection:
        stored = {
            "feedback": markers_in(connection.scalars(select(Feedback.text)), run),
            "case_study": markers_in(connection.scalars(select(CaseStudy.narrative)), run),
        }
        rows = {
            "feedback": connection.scalar(text("SELECT count(*) FROM feedback")),
            "case_study": connection.scalar(text("SELECT count(*) FROM case_studies")),
        }
    engine.dispose()

    print(f"\n== {label}: {args.clients} link workers, {args.seconds:g} s, gunicorn "
          f"{args.workers} workers ==")
    ok = True
    for kind in ("feedback", "case_study"):
        result = reconcile((m for ledger in ledgers for m in ledger.accepted[kind]),
                           (m for ledger in ledgers for m in ledger.failed[kind]), stored[kind])
        ok = ok and not result.lost and not result.duplicated and not result.unknown
        print(f"{kind:<11} accepted {result.accepted:>6}  rows {rows[kind]:>6}  lost "
              f"{len(result.lost)}  duplicated {len(result.duplicated)}  saved after a "
              f"failure {len(result.saved_after_failure)}  unknown {len(result.unknown)}")
        for name, markers in (("lost", result.lost), ("duplicated", result.duplicated)):
            if markers:
                print(f"  {name}: {', '.join(markers[:10])}")
    requests = sum(ledger.requests for ledger in ledgers)
    errors: Counter[str] = Counter()
    for ledger in ledgers:
        errors.update(ledger.errors)
    submissions = [s for ledger in ledgers for s in ledger.submissions]
    pages = [s for ledger in ledgers for s in ledger.pages]
    print(f"requests {requests} in {elapsed:.1f} s ({requests / elapsed:.1f}/s); submissions "
          f"{len(submissions)} ({len(submissions) / elapsed:.1f}/s); errors "
          f"{sum(errors.values())} ({100 * sum(errors.values()) / max(requests, 1):.2f}%)"
          + (f": {dict(errors)}" if errors else ""))
    print(f"latency, submission (save + tag): p50 {1000 * percentile(submissions, 0.5):.0f} ms, "
          f"p95 {1000 * percentile(submissions, 0.95):.0f} ms; form page: p50 "
          f"{1000 * percentile(pages, 0.5):.0f} ms, p95 {1000 * percentile(pages, 0.95):.0f} ms")
    return ok


# --- the databases -------------------------------------------------------------------


def postgres_database(server_url: str) -> tuple[str, object]:
    """A new database on the server; returns its URL and a function that drops it."""
    server = make_url(normalise_url(server_url))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"spstories_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50, help="simulated link workers")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL server URL (default: DATABASE_URL)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    os.environ.setdefault("SPSTORIES_EMBEDDINGS", "none")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.only in (None, "sqlite"):
            ok &= run_against("SQLite (WAL)", f"sqlite:///{workdir / 'load.sqlite'}", args,
                              workdir)
        if args.only in (None, "postgresql"):
            if not args.postgres:
                print("\nPostgreSQL: skipped (set DATABASE_URL or --postgres).")
            else:
                url, drop = postgres_database(args.postgres)
                try:
                    ok &= run_against("PostgreSQL", url, args, workdir)
                finally:
                    drop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
