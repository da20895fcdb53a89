"""Benchmark: a 10,000-row clients import and a 10,000-row measures import.

Generates both CSV files, imports each through ``run_import`` into a fresh, migrated
SQLite database, checks the rows arrived, and prints rows per second. The last line
holds the figures. Run: ``.venv/bin/python benchmarks/imports.py [rows]``.
"""

from __future__ import annotations

import csv
import io
import random
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from spstories.core.importing import guess_mapping, read_csv
from spstories.core.importing.kinds import get_kind
from spstories.services.accounts import create_organisation, create_user
from spstories.services.imports import run_import
from spstories.storage.db import make_engine, make_session_factory, upgrade
from spstories.storage.models import Client, MeasureResponse, MeasureScore, User

ROWS = 10_000


def clients_csv(rows: int, rng: random.Random) -> bytes:
    """A case-management style export: its own header names, UK dates nowhere needed."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Client ID", "Age group", "Sex", "Ethnicity", "Postcode district", "IMD"])
    for n in range(rows):
        writer.writerow([
            f"C{n:06d}",
            rng.choice(["18-24", "25-34", "45-54", "65-74", "75 and over", ""]),
            rng.choice(["Female", "male", "F", "Non-binary", ""]),
            rng.choice(["White", "Asian or Asian British", "mixed", "Not stated"]),
            rng.choice(["LS6", "M14", "BD7", ""]),
            rng.randint(1, 10),
        ])
    return out.getvalue().encode("utf-8")


def measures_csv(rows: int, clients: int, rng: random.Random) -> bytes:
    """SWEMWBS baseline and review responses, one per row, dates in UK format."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Client ID", "Measure", "Stage", "Date completed",
                     *(f"Item {n}" for n in range(1, 8))])
    start = date(2023, 1, 1)
    for n in range(rows):
        client = n % clients
        stage = "baseline" if n < clients else f"review {n // clients}"
        day = start + timedelta(days=(n // clients) * 90 + client % 60)
        writer.writerow([f"C{client:06d}", "SWEMWBS", stage, f"{day:%d/%m/%Y}",
                         *(rng.randint(1, 5) for _ in range(7))])
    return out.getvalue().encode("utf-8")


def timed_import(session_factory: sessionmaker[Session], user_id: int, org_id: int, kind: str,
                 data: bytes) -> tuple[int, float]:
    """Read, validate and import one file; seconds include reading the CSV."""
    started = time.perf_counter()
    table = read_csv(data, f"{kind}.csv")
    with session_factory() as session:
        user = session.get(User, user_id)
        result = run_import(session, user, org_id, kind, table,
                            guess_mapping(get_kind(kind), table.header))
        if not result.ok:
            raise SystemExit(f"{kind}: unexpected errors, first: {result.errors[0]}")
        session.commit()
    return result.created, time.perf_counter() - started


def main(rows: int = ROWS) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        upgrade(engine)
        factory = make_session_factory(engine)
        with factory() as session:
            org = create_organisation(session, "Benchmark SP")
            user = create_user(session, email="bench@example.test", name="Bench",
                               role="manager", password=secrets.token_urlsafe(16),
                               organisations=[org])
            session.commit()
            user_id, org_id = user.id, org.id
        client_count = max(1, rows // 4)
        n_clients, t_clients = timed_import(factory, user_id, org_id, "clients",
                                            clients_csv(rows, rng))
        n_measures, t_measures = timed_import(factory, user_id, org_id, "measures",
                                              measures_csv(rows, client_count, rng))
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(Client)) == rows
            assert session.scalar(select(func.count()).select_from(MeasureResponse)) == rows
            assert session.scalar(select(func.count()).select_from(MeasureScore)) == 2 * rows
        engine.dispose()
    print(f"clients: {n_clients} rows in {t_clients:.2f} s ({n_clients / t_clients:,.0f} rows/s)")
    print(f"measures: {n_measures} rows in {t_measures:.2f} s "
          f"({n_measures / t_measures:,.0f} rows/s)")
    print(f"imports benchmark: clients {n_clients} rows {t_clients:.2f} s "
          f"{n_clients / t_clients:,.0f} rows/s; measures {n_measures} rows {t_measures:.2f} s "
          f"{n_measures / t_measures:,.0f} rows/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)
