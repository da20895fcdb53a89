"""Dashboard query speed on a large database: 100,000 clients, 500,000 tags, 200,000 responses.

    .venv/bin/python benchmarks/dashboard.py                # SQLite (temp file), and
                                                            # PostgreSQL when DATABASE_URL is set
    .venv/bin/python benchmarks/dashboard.py --clients 10000 --tags 50000 --responses 20000

Data are inserted with bulk ``insert()`` executemany (no ORM objects); the triggers mark every
client stale and the per-client dashboard summaries are then built from scratch, as
``spstories rebuild-dashboard`` does (timed). Every dashboard page build (``service.build`` and
``filter_choices``, whole service, no filters) is run three times with every storage function
it calls timed, and the best time per function is printed; the line after holds the totals.
The target is under one second in total per database. Totals for three more pages follow (a
breakdown by gender of the clients referred in the last year; a breakdown by referral source;
confirmed tags only), and the time to commit one review decision, which refreshes that
client's summaries.
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

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spstories.services import dashboard as service
from spstories.services import review
from spstories.services.codebooks import sync_shipped_codebooks
from spstories.storage import dashboard_queries as q
from spstories.storage import dashboard_summaries as summaries
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
    """Fill a migrated database and build its summaries; returns the id of a researcher who
    sees everything."""
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
    start = time.perf_counter()
    with make_session_factory(engine)() as session:
        summaries.rebuild(session)
        session.commit()
    print(f"  summaries built in {time.perf_counter() - start:.1f}s", flush=True)
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
    (summaries, "refresh_stale"), (q, "materialize"), (t, "outcome_code_map"),
    (q, "paired_score_counts"),
    (q, "measure_completion"), (t, "narrative_coverage"), (q, "referral_counts"),
    (q, "days_to_first_contact"), (q, "modified_counts"), (t, "outcome_counts"),
    (t, "one_way_stories"), (t, "evidence_quotes"), (service, "filter_choices"),
)
PAGES = {
    "no filters": service.Filters(),
    "by gender, last year": service.Filters(start=date(2025, 4, 1), by="gender"),
    "by referral source": service.Filters(by="source"),
    "confirmed tags only": service.Filters(confirmed_only=True),
}


def _page(
    session: Session, user: User, spent: dict[str, float], filters: service.Filters
) -> None:
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
        service.build(session, user, filters)
        service.filter_choices(session, user)


def time_queries(url: str, user_id: int, filters: service.Filters) -> dict[str, float]:
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
        _page(session, user, spent, filters)
        whole = min(whole, time.perf_counter() - start)
        for name, seconds in spent.items():
            best[name] = min(best.get(name, float("inf")), seconds)
    best["(whole page build, incl. Python)"] = whole
    best["(SQL statements per page)"] = statements / 3
    session.close()
    engine.dispose()
    return best


def time_review_commit(url: str, user_id: int) -> float:
    """Median seconds to record and commit one review decision (refreshing one client)."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    times = []
    with factory() as session:
        user = session.get(User, user_id)
        tag_ids = session.scalars(
            select(Tag.id).where(Tag.review_state == "suggested").order_by(Tag.id).limit(21)
        ).all()
        for tag_id in tag_ids:
            start = time.perf_counter()
            review.decide(session, user, session.get(Tag, tag_id), "accept")
            session.commit()
            times.append(time.perf_counter() - start)
    engine.dispose()
    return sorted(times)[len(times) // 2]


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
    results: dict[str, dict[str, dict[str, float]]] = {}
    writes: dict[str, float] = {}
    try:
        for label, url, _ in targets:
            start = time.perf_counter()
            user_id = populate(url, args.clients, args.tags, args.responses)
            print(f"{label}: loaded in {time.perf_counter() - start:.0f}s", flush=True)
            for page, filters in PAGES.items():
                results.setdefault(page, {})[label] = time_queries(url, user_id, filters)
            writes[label] = time_review_commit(url, user_id)
    finally:
        for _label, url, admin in targets:
            if admin is not None:
                with admin.connect() as conn:  # type: ignore[attr-defined]
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" '
                                      "WITH (FORCE)"))
        tmp.cleanup()
    main_page = results["no filters"]
    names = list(next(iter(main_page.values())))
    print(f"\n{'query (no filters)':34}" + "".join(f"{label:>12}" for label in main_page))
    for name in names:
        if name == "(SQL statements per page)":
            print(f"{name:34}" + "".join(f"{r[name]:>12.0f}" for r in main_page.values()))
            continue
        print(f"{name:34}" + "".join(f"{r[name] * 1000:>10.0f}ms" for r in main_page.values()))
    totals = {label: _total(r) for label, r in main_page.items()}
    print(f"{'total of the SQL queries':34}" + "".join(f"{v * 1000:>10.0f}ms"
                                                   for v in totals.values()))
    for page, per_db in results.items():
        if page == "no filters":
            continue
        print(f"{'total, ' + page:34}" + "".join(f"{_total(r) * 1000:>10.0f}ms"
                                               for r in per_db.values()))
        print(f"{'  whole page, ' + page:34}" + "".join(
            f"{r['(whole page build, incl. Python)'] * 1000:>10.0f}ms" for r in per_db.values()))
    print(f"{'commit one review decision':34}" + "".join(f"{v * 1000:>10.1f}ms"
                                                     for v in writes.values()))
    print(f"clients={args.clients} tags={args.tags} responses={args.responses}; totals: "
          + ", ".join(f"{label} {v:.3f}s" for label, v in totals.items()))


def _total(result: dict[str, float]) -> float:
    return sum(v for k, v in result.items() if not k.startswith("("))


if __name__ == "__main__":
    main()
