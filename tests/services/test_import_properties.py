"""Any table through the real import service (hypothesis): either every row is saved, or
nothing is and every error names its row; never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from spstories.core.importing import KINDS, Table, guess_mapping
from spstories.services.imports import ImportMappingError, run_import
from spstories.storage.models import Client, Feedback, MeasureResponse, Referral

CELLS = {
    "reference": st.sampled_from(["N-1", "N-2", "N-3", "", "N-1 ", "n-1"]),
    "age_band": st.sampled_from(["25-34", "45-54", "not an age", "", "65+"]),
    "gender": st.sampled_from(["female", "Male", "x", ""]),
    "referred_on": st.sampled_from(["2025-03-01", "01/03/2025", "2025-02-30", "soon", ""]),
    "source": st.sampled_from(["gp", "GP", "self", "nowhere", ""]),
    "text": st.text(max_size=30),
}


def _count(db):
    return sum(db.scalar(select(func.count()).select_from(m)) or 0
               for m in (Client, Referral, Feedback, MeasureResponse))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(kind=st.sampled_from(["clients", "referrals", "feedback"]), data=st.data())
def test_an_import_saves_every_row_or_nothing(db, users, orgs, kind, data):
    target = KINDS[kind]
    header = tuple(f.label for f in target.fields if f.required) + tuple(
        data.draw(st.lists(st.sampled_from([f.label for f in target.fields]), max_size=3,
                           unique=True)))
    header = tuple(dict.fromkeys(header))
    mapping = guess_mapping(target, header)
    names = {i: f.name for f in target.fields for i in [mapping.get(f.name)] if i is not None}
    rows = data.draw(st.lists(st.tuples(*(
        CELLS.get(names.get(i, ""), CELLS["text"]) for i in range(len(header)))),
        min_size=1, max_size=6))
    table = Table(header=header, rows=[(n + 2, r) for n, r in enumerate(rows)],
                  file_name="t.csv")
    before = _count(db)
    try:
        result = run_import(db, users["link_worker"], orgs["north"], kind, table, mapping)
    except ImportMappingError:
        assert _count(db) == before
        return
    if result.errors:
        assert _count(db) == before, "a failed import wrote something"
        assert result.created == 0
        assert all(e.row in {n for n, _ in table.rows} for e in result.errors)
    else:
        assert _count(db) - before == result.created == len(rows)
    db.rollback()
