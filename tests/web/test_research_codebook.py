"""Codebook editing over HTTP, and managers' read-only access to research projects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spstories.services import research, research_coding
from spstories.services.codebooks import latest_version
from spstories.storage.models import AuditEvent, Coding, ProjectCoder

TEXT = "I was lonely. Now I go to the walking group."


@pytest.fixture
def project(db, users, orgs):
    me = users["researcher"]
    made = research.create_project(db, me, "Study", orgs["north"].id,
                                   codebook=latest_version(db, "sp-outcomes"))
    doc = research.add_transcript(db, me, made, "i.txt", TEXT.encode())
    research.add_code(db, me, made, "Isolation")
    research_coding.add_coding(db, me, made, doc, ["isolation"], 0, 13)
    db.commit()
    return made


def _labels(db, project):
    db.expire_all()
    return {c.key: (c.label, c.parent_key) for c in project.codes}


def _codebook(project):
    return f"/research/{project.id}/codebook"


def _edit(auth, project, action, data):
    return auth.post(f"{_codebook(project)}/{action}", data, form_path=_codebook(project))


def test_researcher_sees_the_forms_and_renames_a_code(client, auth, project, db):
    auth.login("researcher@north.test")
    html = client.get(_codebook(project)).get_data(as_text=True)
    for summary in ("Rename a code", "Move a code", "Merge one code into another"):
        assert summary in html
    response = _edit(auth, project, "rename", {"code": "isolation", "label": "Social isolation"})
    assert response.status_code == 302 and response.headers["Location"] == _codebook(project)
    assert "Code renamed." in client.get(_codebook(project)).get_data(as_text=True)
    assert _labels(db, project)["isolation"] == ("Social isolation", None)
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "research.code.rename")).one()


def test_researcher_moves_a_code_and_back_to_the_top(client, auth, project, db):
    auth.login("researcher@north.test")
    _edit(auth, project, "move", {"code": "isolation", "parent": "loneliness"})
    assert _labels(db, project)["isolation"][1] == "loneliness"
    _edit(auth, project, "move", {"code": "isolation", "parent": ""})
    assert _labels(db, project)["isolation"][1] is None
    assert "Code moved." in client.get(_codebook(project)).get_data(as_text=True)


def test_merge_needs_confirmation_then_moves_the_codings(client, auth, project, db):
    auth.login("researcher@north.test")
    _edit(auth, project, "merge", {"source": "isolation", "target": "loneliness"})
    assert "tick the box to confirm" in client.get(_codebook(project)).get_data(as_text=True)
    assert "isolation" in _labels(db, project)
    response = _edit(auth, project, "merge",
                     {"source": "isolation", "target": "loneliness", "confirm": "1"})
    assert response.status_code == 302
    assert "Merged: 1 coding(s) moved" in client.get(_codebook(project)).get_data(as_text=True)
    assert "isolation" not in _labels(db, project)
    db.expire_all()
    assert db.scalars(select(Coding.code_key)).one() == "loneliness"


@pytest.mark.parametrize(("action", "data", "message"), [
    ("rename", {"code": "isolation", "label": ""}, "give the code a name"),
    ("rename", {"code": "isolation", "label": "wellbeing and MOOD"}, "already a code called"),
    ("move", {"code": "loneliness", "parent": "loneliness"}, "cannot go under itself"),
    ("move", {"code": "wellbeing", "parent": "nowhere"}, "no code &#39;nowhere&#39;"),
    ("merge", {"source": "isolation", "target": "isolation", "confirm": "1"},
     "cannot be merged into itself"),
])
def test_errors_are_shown_and_nothing_changes(client, auth, project, db, action, data, message):
    auth.login("researcher@north.test")
    before = _labels(db, project)
    revision = project.codebook_revision
    response = _edit(auth, project, action, data)
    assert response.status_code == 302
    assert message in client.get(_codebook(project)).get_data(as_text=True)
    assert _labels(db, project) == before
    assert project.codebook_revision == revision


def test_a_move_that_would_make_a_loop_is_refused(client, auth, project, db, users):
    auth.login("researcher@north.test")
    research.add_code(db, users["researcher"], project, "Lonely at night", parent="loneliness")
    db.commit()
    _edit(auth, project, "move", {"code": "loneliness", "parent": "lonely_at_night"})
    assert "one of its own subcodes" in client.get(_codebook(project)).get_data(as_text=True)
    assert _labels(db, project)["loneliness"][1] is None


def test_another_organisations_project_is_not_found(client, auth, project, db, orgs):
    project.organisation_id = orgs["south"].id
    db.commit()
    auth.login("researcher@north.test")
    assert client.get(_codebook(project)).status_code == 404
    response = auth.post(f"{_codebook(project)}/rename", {"code": "isolation", "label": "X"},
                         form_path="/")
    assert response.status_code == 404


def test_posting_without_a_csrf_token_is_refused(client, auth, project, db):
    auth.login("researcher@north.test")
    response = client.post(f"{_codebook(project)}/rename",
                           data={"code": "isolation", "label": "X"})
    assert response.status_code == 400
    assert _labels(db, project)["isolation"][0] == "Isolation"


# --- roles ------------------------------------------------------------------------------

def _changes(project, db):
    doc = research.documents(db, project)[0]
    coding = db.scalars(select(Coding)).first()
    base = f"/research/{project.id}"
    return [
        ("/research/new", {"name": "Mine"}),
        (f"{base}/codes", {"label": "New"}),
        (f"{base}/documents", {"feedback": "1"}),
        (f"{base}/documents/{doc.id}/code", {"start": 0, "end": 13, "code": "wellbeing"}),
        (f"{base}/documents/{doc.id}/suggest", {}),
        (f"{base}/codings/{coding.id}/accept", {}),
        (f"{base}/codings/{coding.id}/remove", {}),
        (f"{base}/memos", {"text": "Note"}),
        (f"{base}/settle", {"document_id": doc.id, "code_key": "isolation", "start": 0,
                            "end": 13, "decision": "code"}),
        (f"{base}/import", {}),
        (f"{base}/codebook/rename", {"code": "isolation", "label": "X"}),
        (f"{base}/codebook/move", {"code": "isolation", "parent": "loneliness"}),
        (f"{base}/codebook/merge", {"source": "isolation", "target": "loneliness",
                                    "confirm": "1"}),
    ]


def _reads(project, db):
    doc = research.documents(db, project)[0]
    base = f"/research/{project.id}"
    coders = "&".join(f"coder={c.id}" for c in research.coders(db, project))
    return ["/research/", base, f"{base}/documents/{doc.id}", f"{base}/codes/isolation",
            f"{base}/agreement?{coders}", f"{base}/codebook", f"{base}/codebook?compare=1",
            f"{base}/colours.css", *(f"{base}/export/{k}" for k in ("qdc", "yaml", "md", "html"))]


def test_link_workers_are_refused_everything(client, auth, project, db):
    auth.login("link_worker@north.test")
    for path in _reads(project, db):
        assert client.get(path).status_code == 403, path
    for path, data in _changes(project, db):
        assert auth.post(path, data, form_path="/").status_code == 403, path


def test_managers_read_every_page(client, auth, project, db, users):
    second = users["researcher"]
    research_coding.suggest(db, second, project, research.documents(db, project)[0])
    db.commit()
    auth.login("manager@north.test")
    assert 'href="/research/"' in client.get("/").get_data(as_text=True)
    for path in _reads(project, db):
        assert client.get(path).status_code == 200, path
    doc = research.documents(db, project)[0]
    page = client.get(f"/research/{project.id}/documents/{doc.id}").get_data(as_text=True)
    assert "I was lonely." in page and "<mark" in page
    assert "researcher north" in page  # every coder's codings, attributed
    agreement = client.get(_reads(project, db)[4]).get_data(as_text=True)
    assert 'id="overall-percent"' in agreement
    # reading never makes the manager a coder
    assert not db.scalars(select(ProjectCoder).where(
        ProjectCoder.user_id == users["manager"].id)).all()


def test_managers_see_no_forms_and_no_text_exports(client, auth, project, db):
    auth.login("manager@north.test")
    base = f"/research/{project.id}"
    doc = research.documents(db, project)[0]
    for path in (base, _codebook(project), f"{base}/documents/{doc.id}",
                 f"{base}/codes/isolation", "/research/"):
        html = client.get(path).get_data(as_text=True)
        assert html.count('method="post"') == 1, path  # logging out, nothing else
        for hidden in ("Merge one code into another", "Apply codes", "Save memo",
                       "Create project", "Accept as mine", "export/qdpx", "export/csv"):
            assert hidden not in html, (path, hidden)


@pytest.mark.parametrize("kind", ["qdpx", "csv", "xlsx"])
def test_managers_cannot_export_documents_text(client, auth, project, kind):
    auth.login("manager@north.test")
    assert client.get(f"/research/{project.id}/export/{kind}").status_code == 403


def test_managers_are_refused_every_change(client, auth, project, db):
    auth.login("manager@north.test")
    codings_before = db.scalars(select(Coding.code_key)).all()
    for path, data in _changes(project, db):
        assert auth.post(path, data, form_path="/").status_code == 403, path
    assert _labels(db, project)["isolation"] == ("Isolation", None)
    assert db.scalars(select(Coding.code_key)).all() == codings_before


def test_managers_of_another_organisation_do_not_find_the_project(client, auth, db, users,
                                                                  project, orgs):
    project.organisation_id = orgs["south"].id
    db.commit()
    auth.login("manager@north.test")
    assert client.get(f"/research/{project.id}").status_code == 404
    assert "Study" not in client.get("/research/").get_data(as_text=True)
