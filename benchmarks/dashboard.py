"""Dashboard query speed on a large database: 100,000 clients, 500,000 tags, 200,000 responses.

    .venv/bin/python benchmarks/dashboard.py                # SQLite (temp file), and
                                                            # PostgreSQL when DATABASE_URL is set
    .venv/bin/python benchmarks/dashboard.py --clients 10000 --tags 50000 --responses 20000

Data are inserted with bulk ``insert()`` executemany (no ORM objects), then every dashboard
page build (``service.build`` and ``filter_choices``, whole service, no filters) is run three
times with every storage function it calls timed, and the best time per function is printed; the
last line holds the totals. The target is under one second in total per database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spstories.services import dashboard as service
from spstories.services.codebooks import sync_shipped_codebooks
from spstories.storage import dashboard_queries as q
from spstories.storage import dashboard_tags as t
from spstories.storage.db import make_engine, make_session_factory, normalise_url, upgrade
from spstories.storage.models import (
    Client,
    Feedback,
    MeasureResponse,
    MeasureScore,
    Organisation,
    Referral,
    Tag,
    User,
    memberships,
)

CHUNK = 20_000
SOURCES = ("gp", "self", "other_professional", "vcse", "other")
STATUSES = ("offered", "accepted", "declined", "completed")
AGES = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
POLARITIES = ("improved", "improved", "improved", "worsened", "unchanged")


def _chunks(conn, table, rows) -> None:  # type: ignore[no-untyped-def]
    for i in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[i : i + CHUNK])


def populate(url: str, clients: int, tags: int, responses: int) -> int:
    """Fill a migrated database; returns the id of a researcher who sees everything."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(1)
    with make_session_factory(engine)() as session:
        sync_shipped_codebooks(session)
        session.commit()
        code_ids = list(t.outcome_code_map(session))
    today = date(2026, 3, 31)
    with engine.begin() as conn:
        org_ids = [
            conn.execute(insert(Organisation).values(name=f"Bench {i}", slug=f"bench-{i}")
                         .returning(Organisation.id)).scalar_one()
            for i in range(2)
        ]
        user_id = conn.execute(insert(User).values(
            email="bench@bench.test", name="Bench", password_hash="x", role="researcher",  # noqa: S106
            active=True).returning(User.id)).scalar_one()
        conn.execute(insert(memberships), [{"user_id": user_id, "organisation_id": o}
                                           for o in org_ids])
        _chunks(conn, Client, [
            {"id": i + 1, "organisation_id": org_ids[i % 2], "reference": f"B-{i}",
             "age_band": rng.choice(AGES), "gender": rng.choice(("female", "male")),
             "ethnic_group": "white", "area": "M14", "imd_decile": rng.randint(1, 10)}
            for i in range(clients)])
        referrals = []
        for i in range(clients):
            referred = today - timedelta(days=rng.randint(0, 700))
            referrals.append({
                "organisation_id": org_ids[i % 2], "client_id": i + 1, "link_worker_id": None,
                "referred_on": referred, "source": rng.choice(SOURCES), "service": "Main",
                "needs": [], "status": rng.choice(STATUSES),
                "first_contact_on": referred + timedelta(days=rng.randint(1, 30))})
        _chunks(conn, Referral, referrals)
        feedback = [{"id": i + 1, "organisation_id": org_ids[i % 2], "client_id": i + 1,
                     "source": "client", "channel": "survey", "formal": False,
                     "received_on": today, "text": "x" * 40} for i in range(clients // 2)]
        _chunks(conn, Feedback, feedback)
        _chunks(conn, Tag, [
            {"organisation_id": feedback[(f := rng.randint(1, len(feedback))) - 1][
                "organisation_id"],
             "client_id": f, "feedback_id": f, "field": "text", "code_id": rng.choice(code_ids),
             "polarity": rng.choice(POLARITIES), "start_offset": 0, "end_offset": 10,
             "evidence": "evidence", "origin": "rule", "score": 1.0,
             "review_state": rng.choice(("suggested", "suggested", "accepted", "rejected"))}
            for _ in range(tags)])
        rows, scores = [], []
        for n in range(responses):
            client = n // 2 % clients + 1
            baseline = n % 2 == 0
            rid = n + 1
            rows.append({"id": rid, "organisation_id": org_ids[(client - 1) % 2],
                         "client_id": client, "instrument": "swemwbs", "instrument_version": "1",
                         "timepoint": "baseline" if baseline else "exit",
                         "administered_on": today - timedelta(days=200 if baseline else 20),
                         "administration_mode": "self_completed",
                         "modified": rng.random() < 0.05, "answers": {}})
            raw = rng.randint(7, 35)
            scores += [{"response_id": rid, "scale": "swemwbs_raw", "value": float(raw)},
                       {"response_id": rid, "scale": "swemwbs_metric",
                        "value": float(raw)}]  # the metric value itself does not matter here
        _chunks(conn, MeasureResponse, rows)
        _chunks(conn, MeasureScore, scores)
    if engine.dialect.name == "postgresql":
        # VACUUM as autovacuum would on a live server: index-only scans need the visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return user_id


# Every storage function one page build calls (``service.build`` plus the filter form's
# ``filter_choices``), each timed as the page calls it: SQL, fetch and row objects.
TIMED = (
    (t, "outcome_code_map"), (q, "paired_scores"), (q, "measure_completion"),
    (t, "narrative_coverage"), (q, "referral_counts"), (q, "days_to_first_contact"),
    (q, "modified_counts"), (t, "outcome_counts"), (t, "story_polarity"),
    (t, "evidence_quotes"), (service, "filter_choices"),
)


def _page(session: Session, user: User, spent: dict[str, float]) -> None:
    """One page build, adding each timed function's seconds to ``spent``."""
    def timed(name: str, run: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return run(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    with ExitStack() as stack:
        for module, name in TIMED:
            stack.enter_context(patch.object(module, name, timed(name, getattr(module, name))))
        service.build(session, user, service.Filters())
        service.filter_choices(session, user)


def time_queries(url: str, user_id: int) -> dict[str, float]:
    """Best of 3 warm page builds: per function, and the whole build with its Python."""
    engine = make_engine(url)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    session = make_session_factory(engine)()
    user = session.get(User, user_id)
    user.organisation_ids  # noqa: B018 -- load the user's organisations before timing
    best: dict[str, float] = {}
    whole = float("inf")
    for _ in range(3):
        spent: dict[str, float] = {}
        start = time.perf_counter()
        _page(session, user, spent)
        whole = min(whole, time.perf_counter() - start)
        for name, seconds in spent.items():
            best[name] = min(best.get(name, float("inf")), seconds)
    best["(whole page build, incl. Python)"] = whole
    best["(SQL statements per page)"] = statements / 3
    session.close()
    engine.dispose()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--tags", type=int, default=500_000)
    parser.add_argument("--responses", type=int, default=200_000)
    args = parser.parse_args()
    targets: list[tuple[str, str, object]] = []
    tmp = tempfile.TemporaryDirectory()
    targets.append(("SQLite", f"sqlite:///{tmp.name}/bench.sqlite", None))
    if os.environ.get("DATABASE_URL"):
        server = make_url(normalise_url(os.environ["DATABASE_URL"]))
        name = f"spstories_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        targets.append(("PostgreSQL", server.set(database=name).render_as_string(False), admin))
    results = {}
    try:
        for label, url, _ in targets:
            start = time.perf_counter()
            user_id = populate(url, args.clients, args.tags, args.responses)
            print(f"{label}: loaded in {time.perf_counter() - start:.0f}s", flush=True)
            results[label] = time_queries(url, user_id)
    finally:
        for _label, url, admin in targets:
            if admin is not None:
                with admin.connect() as conn:  # type: ignore[attr-defined]
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" '
                                      "WITH (FORCE)"))
        tmp.cleanup()
    names = list(next(iter(results.values())))
    print(f"\n{'query':34}" + "".join(f"{label:>12}" for label in results))
    for name in names:
        if name == "(SQL statements per page)":
            print(f"{name:34}" + "".join(f"{r[name]:>12.0f}" for r in results.values()))
            continue
        print(f"{name:34}" + "".join(f"{r[name] * 1000:>10.0f}ms" for r in results.values()))
    totals = {label: sum(v for k, v in r.items() if not k.startswith("(")) for label, r in
              results.items()}
    print(f"{'total of the SQL queries':34}" + "".join(f"{v * 1000:>10.0f}ms"
                                                   for v in totals.values()))
    print(f"clients={args.clients} tags={args.tags} responses={args.responses}; totals: "
          + ", ".join(f"{label} {v:.3f}s" for label, v in totals.items()))


if __name__ == "__main__":
    main()
