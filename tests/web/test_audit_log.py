"""The administrators' audit log: scoped to their organisations, filtered, paged, exported
as CSV (itself audited), checked for tampering, and never editable."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from spstories.services import audit
from spstories.services.accounts import create_user
from spstories.storage.models import AuditEvent, Client
from tests.conftest import PASSWORD


@pytest.fixture
def log(db, orgs, users):
    """Events in both organisations, a north client and an erased one, on known days."""
    north, south = orgs["north"], orgs["south"]
    south_admin = create_user(db, email="admin@south.test", name="south admin", role="admin",
                              password=PASSWORD, organisations=[south])
    client = Client(organisation_id=north.id, reference="N-7")
    db.add(client)
    db.flush()

    def add(action, user, day, **kw):
        event = audit.record(db, action, user=user, **kw)
        event.occurred_at = datetime(2026, 3, day, 12, tzinfo=UTC)

    add("client.view", users["manager"], 2, obj=client)
    add("case_study.view", users["link_worker"], 3, organisation_id=north.id,
        client_id=client.id)
    add("client.erase", users["manager"], 4, organisation_id=north.id, client_id=99,
        reference="GONE-1")
    add("client.view", users["manager"], 1, organisation_id=north.id, client_id=99)
    add("login", users["link_worker"], 5)
    add("login", users["south_link_worker"], 5)
    add("client.view", users["south_link_worker"], 6, organisation_id=south.id, client_id=5)
    add("login.failed", None, 6, email="=cmd|' /C calc'!A0")
    db.commit()
    return {"client": client, "south_admin": south_admin}


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in body.split("<tr>")[1:]]


def test_an_admin_sees_their_organisations_events_in_plain_words(client, auth, log):
    auth.login("admin@north.test")
    rows = _rows(client.get("/admin/audit/").get_data(as_text=True))
    text = "\n".join(rows)
    assert "manager north (manager) opened the record of client N-7" in text
    assert "link_worker north (link worker) read a record" in text
    assert "link_worker north (link worker) logged in" in text
    assert "opened the record of client GONE-1 (erased)" in text
    assert "south worker" not in text and "failed to log in" not in text


def test_the_record_column_names_records_in_words(client, auth, db, log, users):
    audit.record(db, "user.update", user=users["admin"], obj=users["link_worker"])
    db.commit()
    auth.login("admin@north.test")
    page = client.get("/admin/audit/").get_data(as_text=True)
    records = [re.sub(r"<[^>]+>", "", cells[4]).strip() for cells in
               (row.split("<td>")[1:] for row in page.split("<tbody>", 1)[1].split("<tr>")[1:])
               if len(cells) > 4]
    assert f"account {users['link_worker'].id}" in records
    assert "client N-7" in records  # a client's own event names it once, by reference
    assert not any("User " in r or "Client " in r for r in records)


def test_another_organisations_admin_sees_only_theirs(client, auth, log):
    auth.login("admin@south.test")
    text = "\n".join(_rows(client.get("/admin/audit/").get_data(as_text=True)))
    assert "south worker (link worker) logged in" in text
    assert "south worker (link worker) opened the record of client" in text
    assert "north" not in text.replace("south admin", "")


FILTERS = [
    ("?action=client.view", 2),
    ("?action=client.", 3),
    ("?client=n-7", 2),
    ("?client=GONE-1", 2),
    ("?since=2026-03-02&until=2026-03-03", 2),
    ("?user={manager}", 3),
    ("?object_type=Client", 1),
    ("?object_type=Client&object_id={client}", 1),
]


def test_filters(client, auth, users, log):
    auth.login("admin@north.test")
    for query, expected in FILTERS:
        query = query.format(manager=users["manager"].id, client=log["client"].id)
        rows = [r for r in _rows(client.get(f"/admin/audit/{query}").get_data(as_text=True))
                if "opened the audit log" not in r]
        assert len(rows) == expected, (query, rows)


def test_bad_filters_say_what_is_wrong(client, auth, log):
    auth.login("admin@north.test")
    page = client.get("/admin/audit/?since=yesterday&until=2026-01-01&user=x")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "From: use the form 2026-03-31." in text and "Person: choose one" in text


def test_pages_of_fifty_newest_first(client, auth, db, users, log):
    for n in range(60):
        audit.record(db, "client.list", user=users["manager"], organisation_id=users[
            "manager"].organisation_ids[0], shown=n)
    db.commit()
    auth.login("admin@north.test")
    first = client.get("/admin/audit/?action=client.list").get_data(as_text=True)
    assert "Page 1 of 2" in first and len(_rows(first)) == 50 and "Older" in first
    second = client.get("/admin/audit/?action=client.list&page=2").get_data(as_text=True)
    assert len(_rows(second)) == 10 and "Newer" in second


def test_csv_export_is_filtered_safe_and_audited(client, auth, db, users, log):
    auth.login("admin@north.test")
    response = client.get("/admin/audit/export.csv?action=client.")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["client.view", "client.erase", "client.view"]
    assert rows[0]["client_reference"] == "N-7" and rows[0]["user_email"] == "manager@north.test"
    assert all(len(r["chain_hash"]) == 64 and r["chain_position"] for r in rows)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export"))
    assert event.user_id == users["admin"].id
    assert (event.details["rows"], event.details["filters"]) == (3, {"action": "client."})
    auth.logout()
    auth.login("admin@south.test")
    cells = client.get("/admin/audit/export.csv").get_data(as_text=True)
    assert "=cmd" not in cells  # the failed login of an unknown address is no org's


def test_integrity_check_and_no_way_to_change_the_log(app, client, auth, db, log):
    auth.login("admin@north.test")
    page = client.get("/admin/audit/verify").get_data(as_text=True)
    assert "Intact: all" in page and "Hash of the newest seal" in page
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    assert client.post("/admin/audit/").status_code in (400, 405)


def test_only_admins_see_the_log(client, auth, log):
    for role in ("link_worker", "manager", "researcher"):
        auth.login(f"{role}@north.test")
        assert client.get("/admin/audit/").status_code == 403
        assert client.get("/admin/audit/export.csv").status_code == 403
        auth.logout()
