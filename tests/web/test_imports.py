"""Import pages through the real app: upload, map, commit; errors, duplicates, scoping."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from spstories.storage.models import AuditEvent, Client, MeasureResponse
from tests.conftest import AuthActions, csrf_token

CLIENTS = b"Client ID,Age group,Sex\nC1,45-54,F\nC2,75 and over,male\n"


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "uploads"
    app.config["IMPORT_UPLOAD_DIR"] = str(folder)
    return folder


def upload(auth, org, data, name="clients.csv", kind="clients"):  # type: ignore[no-untyped-def]
    return auth.post(
        "/imports/", {"kind": kind, "organisation": org.id, "file": (io.BytesIO(data), name)}
    )


def map_path(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)
    path = response.headers["Location"]
    assert re.fullmatch(r"/imports/[A-Za-z0-9_-]{24}", path)
    return path


def guessed(client, path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The mapping form as the page pre-fills it."""
    page = client.get(path).get_data(as_text=True)
    chosen = {}
    for name, body in re.findall(
        r'<select id="[^"]+" name="(map-[^"]+)"[^>]*>(.*?)</select>', page, re.S
    ):
        selected = re.search(r'<option value="(\d+)" selected>', body)
        chosen[name] = selected.group(1) if selected else ""
    return chosen


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_upload_map_and_commit_a_csv(client, auth, users, orgs, db, upload_dir):
    auth.login("link_worker@north.test")
    path = map_path(upload(auth, orgs["north"], CLIENTS))
    page = client.get(path).get_data(as_text=True)
    assert "clients.csv" in page and "North SP" in page and "2 rows" in page
    assert "<td>75 and over</td>" in page  # the preview
    mapping = guessed(client, path)
    assert mapping["map-reference"] == "0" and mapping["map-gender"] == "2"
    assert mapping["map-area"] == ""
    response = auth.post(path, mapping)
    assert response.status_code == 302
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 2" in done
    assert sorted(db.scalars(select(Client.reference))) == ["C1", "C2"]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.commit")).one()
    assert event.details["file"] == "clients.csv"
    assert sorted(p.suffix for p in upload_dir.iterdir()) == [".json"]  # only the summary
    assert client.get(path).status_code == 404  # the upload is gone: no double import


def test_xlsx_measures_import(client, auth, users, orgs, db):
    auth.login("manager@north.test")
    auth.post(
        map_path(upload(auth, orgs["north"], CLIENTS)),
        {"map-reference": "0", "map-age_band": "1", "map-gender": "2"},
    )
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["Client ID", "Measure", "Stage", "Date completed", *range(1, 8)])
    sheet.append(["C1", "SWEMWBS", "baseline", datetime(2024, 3, 1), 1, 2, 3, 4, 5, 1, 2])
    sheet.append(["C2", "swemwbs", "exit", "01/06/2024", 5, 5, 5, 5, 5, 5, 5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = map_path(upload(auth, orgs["north"], buffer.getvalue(), "export.xlsx", "measures"))
    mapping = guessed(client, path)
    assert mapping["map-client_reference"] == "0" and mapping["map-administered_on"] == "3"
    mapping |= {f"map-item_{n}": str(n + 3) for n in range(1, 8)}  # headers were bare numbers
    response = auth.post(path, mapping)
    assert response.status_code == 302, response.get_data(as_text=True)
    metric = {r.client_id: r for r in db.scalars(select(MeasureResponse))}
    assert len(metric) == 2
    assert {s.value for r in metric.values() for s in r.scores if s.scale == "swemwbs_metric"} == {
        17.43,
        35.0,
    }


def test_errors_in_several_rows_save_nothing_and_name_row_and_column(client, auth, users, orgs, db):
    auth.login("manager@north.test")
    data = CLIENTS + b"C3,ancient,F\n,18-24,sometimes\n=cmd,,\n"
    path = map_path(upload(auth, orgs["north"], data))
    response = auth.post(path, guessed(client, path))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported" in page and "3 problems" in page
    assert re.search(r'<td class="num">4</td><td>Age group</td><td>&#39;ancient&#39; is not', page)
    assert re.search(r'<td class="num">5</td><td>Client ID</td>', page)
    assert re.search(r'<td class="num">5</td><td>Sex</td>', page)
    assert count(db, Client) == 0
    report = client.get(f"{path}/errors.csv")
    assert report.headers["Content-Disposition"] == 'attachment; filename="import-errors.csv"'
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[:2] for row in rows] == [
        ["row", "column"],
        ["4", "Age group"],
        ["5", "Client ID"],
        ["5", "Sex"],
    ]


def test_duplicates_are_refused_then_skipped_on_request(client, auth, users, orgs, db):
    auth.login("manager@north.test")
    first = map_path(upload(auth, orgs["north"], CLIENTS))
    auth.post(first, guessed(client, first))
    path = map_path(upload(auth, orgs["north"], b"reference\nC2\nC3\nC3\n"))
    refused = auth.post(path, guessed(client, path)).get_data(as_text=True)
    assert "already in spstories for North SP" in refused and "repeats row 3" in refused
    assert count(db, Client) == 2
    response = auth.post(path, {**guessed(client, path), "skip_duplicates": "y"})
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 1" in done and "Skipped duplicates" in done
    assert sorted(db.scalars(select(Client.reference))) == ["C1", "C2", "C3"]


def test_a_required_field_left_unmapped_is_shown_beside_its_select(client, auth, users, orgs, db):
    auth.login("manager@north.test")
    path = map_path(upload(auth, orgs["north"], CLIENTS))
    page = auth.post(path, {**guessed(client, path), "map-reference": ""}).get_data(as_text=True)
    assert 'id="map-reference-error">Client reference is required' in page
    assert count(db, Client) == 0


def test_another_users_organisation_and_upload_are_refused(app, client, auth, users, orgs, db):
    auth.login("manager@north.test")
    page = upload(auth, orgs["south"], CLIENTS).get_data(as_text=True)
    assert "Not a valid choice" in page
    path = map_path(upload(auth, orgs["north"], CLIENTS))
    other = app.test_client()
    other_auth = AuthActions(other)
    other_auth.login("link_worker@south.test")
    assert other.get(path).status_code == 404
    token = csrf_token(other.get("/imports/").get_data(as_text=True))
    assert other.post(path, data={"map-reference": "0", "csrf_token": token}).status_code == 404
    assert other.get(f"{path}/errors.csv").status_code == 404
    assert count(db, Client) == 0


def test_unreadable_file_is_refused_inline(client, auth, users, orgs, upload_dir):
    auth.login("manager@north.test")
    page = upload(auth, orgs["north"], b"\xd0\xcf\x11\xe0", "old.xls").get_data(as_text=True)
    assert "old Excel (.xls) files are not supported" in page
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


@pytest.mark.parametrize("kind", ["clients", "referrals", "measures", "feedback"])
def test_template_downloads(client, auth, users, kind):
    auth.login("link_worker@north.test")
    as_csv = client.get(f"/imports/templates/{kind}.csv")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    header = next(csv.reader(io.StringIO(as_csv.get_data(as_text=True).lstrip("\ufeff"))))
    as_xlsx = client.get(f"/imports/templates/{kind}.xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.data), read_only=True)
    try:
        first = next(sheet.worksheets[0].iter_rows(values_only=True))
    finally:
        sheet.close()
    assert list(first) == header
    assert f'filename="{kind}.xlsx"' in as_xlsx.headers["Content-Disposition"]


def test_researchers_cannot_import(client, auth, users):
    auth.login("researcher@north.test")
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/templates/clients.csv").status_code == 403


def test_unknown_templates_are_404_and_the_nav_links_to_import(client, auth, users):
    auth.login("admin@north.test")
    assert client.get("/imports/templates/secrets.csv").status_code == 404
    assert client.get("/imports/templates/clients.pdf").status_code == 404
    assert '<a href="/imports/">Import</a>' in client.get("/imports/").get_data(as_text=True)
