"""The researcher workbench over HTTP: scoping, coding, agreement page, downloads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from spstories.services import research
from spstories.services.codebooks import latest_version
from spstories.storage.models import Coding
from tests.conftest import csrf_token

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda"
TEXT = "I was lonely. Now I go to the walking group."


@pytest.fixture
def project(db, users, orgs):
    made = research.create_project(db, users["researcher"], "Study", orgs["north"].id,
                                   codebook=latest_version(db, "sp-outcomes"))
    research.add_transcript(db, users["researcher"], made, "i.txt", TEXT.encode())
    db.commit()
    return made


def test_only_researchers_of_the_organisation_see_projects(client, auth, users, project, orgs, db):
    auth.login("link_worker@north.test")
    assert client.get(f"/research/{project.id}").status_code == 403
    auth.logout()
    other = research.create_project(db, users["researcher"], "Other", orgs["north"].id)
    other.organisation_id = orgs["south"].id
    db.commit()
    auth.login("researcher@north.test")
    assert client.get(f"/research/{project.id}").status_code == 200
    assert client.get(f"/research/{other.id}").status_code == 404


def test_coding_a_passage_and_downloading_the_project(client, auth, users, project, db):
    auth.login("researcher@north.test")
    doc = research.documents(db, project)[0]
    page = f"/research/{project.id}/documents/{doc.id}"
    html = client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/code", data={"csrf_token": csrf_token(html), "start": 0,
                                                 "end": 13, "code": ["loneliness"]})
    assert response.status_code == 302
    assert db.query(Coding).one().code_key == "loneliness"
    assert "<mark" in client.get(page).get_data(as_text=True)
    download = client.get(f"/research/{project.id}/export/qdpx")
    assert download.headers["Content-Disposition"].endswith('.qdpx"')
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        qde = etree.fromstring(archive.read("project.qde"))
    etree.XMLSchema(etree.parse(str(SCHEMAS / "Project.xsd"))).assertValid(qde)
    codebook = client.get(f"/research/{project.id}/export/qdc").data
    etree.XMLSchema(etree.parse(str(SCHEMAS / "Codebook.xsd"))).assertValid(
        etree.fromstring(codebook))


def test_bad_offsets_are_refused_with_a_message(client, auth, project, db):
    auth.login("researcher@north.test")
    doc = research.documents(db, project)[0]
    page = f"/research/{project.id}/documents/{doc.id}"
    token = csrf_token(client.get(page).get_data(as_text=True))
    client.post(f"{page}/code", data={"csrf_token": token, "start": 5, "end": 999,
                                      "code": ["loneliness"]})
    assert "select some text" in client.get(page).get_data(as_text=True)
    assert db.query(Coding).count() == 0


def test_pages_render(client, auth, project):
    auth.login("researcher@north.test")
    for path in ("/research/", f"/research/{project.id}", f"/research/{project.id}/codebook",
                 f"/research/{project.id}/agreement", f"/research/{project.id}/codes/loneliness",
                 f"/research/{project.id}/colours.css", f"/research/{project.id}/export/csv",
                 f"/research/{project.id}/export/html", f"/research/{project.id}/export/yaml"):
        assert client.get(path).status_code == 200, path


def test_uploading_a_transcript_and_a_qdpx(client, auth, project, db):
    auth.login("researcher@north.test")
    page = f"/research/{project.id}"
    token = csrf_token(client.get(page).get_data(as_text=True))
    client.post(f"{page}/documents", data={
        "csrf_token": token, "role": "client",
        "file": (io.BytesIO(b"Interviewer: Hi\nAnn: I feel happier."), "ann.txt")},
        content_type="multipart/form-data")
    assert [d.attributes for d in research.documents(db, project)][-1] == {"role": "client"}
    qdpx = client.get(f"{page}/export/qdpx").data
    client.post(f"{page}/import", data={"csrf_token": token,
                                        "file": (io.BytesIO(qdpx), "copy.qdpx")},
                content_type="multipart/form-data")
    assert len(research.documents(db, project)) == 4
