"""Report pages: builder, evidence library, de-identification check, exports read back."""

from __future__ import annotations

import io
import re

import docx
import pypdf
import pytest
from sqlalchemy import select

from spstories.storage.models import AuditEvent, Report
from tests import report_data

IDENTIFIERS = ("Okafor", "07700", "LS6 2AB", "Sarah Jones", "Knit and Natter")


@pytest.fixture
def data(db, orgs, users):
    return report_data.build(db, orgs, users)


def _make_report(auth, client, orgs, data) -> str:
    auth.login("manager@north.test")
    page = client.get("/reports/evidence?code=connection").get_data(as_text=True)
    assert "Locked:" in page and "internal use only" in page
    r = auth.post(f"/reports/evidence/{data['allowed'].id}/star",
                  {"audience": "anonymised_external"}, form_path="/reports/evidence")
    assert r.status_code == 302
    form = client.get("/reports/new").get_data(as_text=True)
    assert report_data.QUOTE[:40] in form
    r = auth.post("/reports/new", {
        "title": "Quarter 4", "audience": "anonymised_external", "start": "2025-01-01",
        "end": "2025-03-31", "organisations": [str(orgs["north"].id)],
        "outcomes": ["connection"], "sections": ["kpis", "sources", "measures", "outcomes"],
        "quotes": [str(data["allowed"].id)], "case_studies": [str(data["case_study"].id)],
        "extra_terms": "", "background": "Our year in brief.",
    })
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"]


def test_build_check_and_export_every_format(client, auth, orgs, data, db):
    location = _make_report(auth, client, orgs, data)
    page = client.get(location).get_data(as_text=True)
    assert "Version 1" in page and "check the de-identification" in page
    report_id = int(re.search(r"/reports/(\d+)", location).group(1))
    base = f"/reports/{report_id}/v/1"
    assert client.get(f"{base}/export/pdf").status_code == 302  # not confirmed yet
    check = client.get(f"{base}/deid").get_data(as_text=True)
    assert "Mrs Okafor" in check and "[NAME 1]" in check and "<mark" in check
    assert auth.post(f"{base}/deid", {}).status_code == 302
    texts = {}
    for fmt in ("html", "md", "docx", "pdf"):
        r = client.get(f"{base}/export/{fmt}")
        assert r.status_code == 200, fmt
        texts[fmt] = {
            "html": lambda b: b.decode(), "md": lambda b: b.decode(),
            "docx": lambda b: "\n".join(
                [p.text for p in docx.Document(io.BytesIO(b)).paragraphs]
                + [c.text for t in docx.Document(io.BytesIO(b)).tables
                   for row in t.rows for c in row.cells]),
            "pdf": lambda b: " ".join(p.extract_text() for p in pypdf.PdfReader(
                io.BytesIO(b)).pages),
        }[fmt](r.data)
    for fmt, text in texts.items():
        assert "said the [ORGANISATION 1] group" in " ".join(text.split()), fmt
        assert "Our year in brief." in text and "Getting out again" in text, fmt
        assert "Referrals received" in text, fmt
        for gone in IDENTIFIERS:
            assert gone not in text, (fmt, gone)
    assert "<svg" in texts["html"] and "<script" not in texts["html"]
    assert "data:image/svg+xml;base64," in texts["md"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")).all()
    assert sorted(e.details["format"] for e in events) == ["docx", "html", "md", "pdf"]


def test_regenerate_and_diff(client, auth, orgs, data):
    location = _make_report(auth, client, orgs, data)
    report_id = int(re.search(r"/reports/(\d+)", location).group(1))
    assert auth.post(f"/reports/{report_id}/generate", {}, form_path=location).status_code == 302
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "what changed since version 1" in page
    diff = client.get(f"/reports/{report_id}/diff?a=1&b=2")
    assert diff.status_code == 200 and "What changed" in diff.get_data(as_text=True)


def test_roles_and_scoping(client, auth, orgs, data, users):
    location = _make_report(auth, client, orgs, data)
    auth.logout()
    auth.login("researcher@north.test")
    assert client.get(location).status_code == 200
    assert client.get("/reports/new").status_code == 403
    assert client.get(f"{location.split('?')[0]}/v/1/export/md").status_code == 403
    auth.logout()
    auth.login("link_worker@north.test")
    assert client.get("/reports/").status_code == 403


def test_confirmed_tags_only_is_kept_with_the_report(client, auth, orgs, data, db):
    auth.login("manager@north.test")
    assert "Count confirmed tags only" in client.get("/reports/new").get_data(as_text=True)
    r = auth.post("/reports/new", {
        "title": "Confirmed only", "audience": "internal",
        "organisations": [str(orgs["north"].id)], "sections": ["outcomes"],
        "confirmed_only": "y", "extra_terms": "", "background": "",
    })
    assert r.status_code == 302, r.get_data(as_text=True)
    report_id = int(re.search(r"/reports/(\d+)", r.headers["Location"]).group(1))
    assert db.get(Report, report_id).filters["confirmed_only"] is True
    edit = client.get(f"/reports/{report_id}/edit").get_data(as_text=True)
    assert re.search(r'id="confirmed_only"[^>]*checked|checked[^>]*id="confirmed_only"', edit)


@pytest.mark.parametrize("path", ["/reports/new", "/reports/{id}/edit"])
def test_an_unknown_audience_is_a_form_error_not_a_crash(client, auth, orgs, data, db, path):
    auth.login("manager@north.test")
    f = {"title": "Quarter 4", "audience": "internal", "organisations": [str(orgs["north"].id)],
         "sections": ["kpis"], "extra_terms": "", "background": ""}
    created = auth.post("/reports/new", f)
    report_id = re.search(r"/reports/(\d+)", created.headers["Location"]).group(1)
    r = auth.post(path.format(id=report_id), {**f, "audience": "everyone"})
    assert r.status_code == 200
    assert "Not a valid choice" in r.get_data(as_text=True)
    assert db.get(Report, int(report_id)).audience == "internal"


def test_a_colleague_editing_keeps_the_quotes_chosen_by_the_author(client, auth, orgs, data,
                                                                  db):
    from spstories.services.accounts import create_user

    location = _make_report(auth, client, orgs, data)
    report_id = int(re.search(r"/reports/(\d+)", location).group(1))
    create_user(db, email="m2@north.test", name="Second manager", role="manager",
                password="correct horse battery", organisations=[orgs["north"]])
    db.commit()
    auth.logout()
    auth.login("m2@north.test")
    edit = client.get(f"/reports/{report_id}/edit").get_data(as_text=True)
    assert report_data.QUOTE[:40] in edit  # not starred by m2, but chosen for the report
    assert re.search(rf'<input checked[^>]*value="{data["allowed"].id}"', edit)
