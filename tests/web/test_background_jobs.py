"""Background jobs through the real app: large imports and re-tagging run outside the
request, on the configured engine (Dask here, through a scheduler address), with progress
that any web process can read; pages answer while a job runs; a job whose process died
is shown as interrupted.
"""

from __future__ import annotations

import csv
import io
import re
import socket
import subprocess
import sys
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from spstories.core.corpus.engines import DaskEngine
from spstories.services.jobs import TASKS, create_job, reap_orphans, register_task
from spstories.services.tagging import retag_all, tagger_for
from spstories.storage.models import Codebook, Feedback, Job, Tag
from spstories.storage.models.base import utcnow
from spstories.web import create_app
from tests.conftest import AuthActions
from tests.real_texts import real_text_rows

pytestmark = pytest.mark.xdist_group("dask")


@pytest.fixture(scope="module")
def scheduler():
    """A small cluster for the module; jobs reach it as they would a remote one."""
    engine = DaskEngine(workers=2, processes=False)
    yield engine.cluster.scheduler_address
    engine.close()


@pytest.fixture(scope="module")
def real_texts() -> list[dict]:
    return real_text_rows()


@pytest.fixture
def on_dask(monkeypatch, scheduler):
    monkeypatch.setenv("SPSTORIES_ENGINE", "dask")
    monkeypatch.setenv("SPSTORIES_SCHEDULER", scheduler)


@pytest.fixture
def big_imports(app, tmp_path):
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["IMPORT_BACKGROUND_ROWS"] = 5
    return tmp_path / "uploads"


def feedback_csv(texts, bad_dates=()) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["Date received", "From", "Channel", "Feedback"])
    for i, text in enumerate(texts):
        when = "31/02/2026" if i in bad_dates else (date(2026, 1, 1) + timedelta(i)).isoformat()
        writer.writerow([when, "client", "survey", text])
    return buffer.getvalue().encode()


def upload_and_map(client, auth, org, data):  # type: ignore[no-untyped-def]
    """Upload a feedback file and confirm the mapping the page guessed."""
    response = auth.post("/imports/", {"kind": "feedback", "organisation": org.id,
                                       "file": (io.BytesIO(data), "survey.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)
    mapping_path = response.headers["Location"]
    page = client.get(mapping_path).get_data(as_text=True)
    chosen = {}
    for name, body in re.findall(r'<select id="[^"]+" name="(map-[^"]+)"[^>]*>(.*?)</select>',
                                 page, re.S):
        selected = re.search(r'<option value="(\d+)" selected>', body)
        chosen[name] = selected.group(1) if selected else ""
    return auth.post(mapping_path, chosen)


def start_import(client, auth, org, data) -> str:
    response = upload_and_map(client, auth, org, data)
    assert response.status_code == 302
    job_path = response.headers["Location"]
    assert re.fullmatch(r"/imports/[A-Za-z0-9_-]{24}/jobs/\d+", job_path), job_path
    return job_path


def stored_tags(db) -> list[tuple]:
    db.expire_all()
    rows = db.execute(select(Feedback.text, Tag.code_id, Tag.polarity, Tag.start_offset,
                             Tag.end_offset, Tag.evidence, Tag.score)
                      .join(Feedback, Tag.feedback_id == Feedback.id))
    return sorted(tuple(row) for row in rows)


def test_a_large_feedback_import_runs_as_a_job_tagged_on_dask(
    app, client, auth, users, orgs, db, real_texts, big_imports, on_dask
):
    texts = [r["text"] for r in real_texts[:40]]
    auth.login("link_worker@north.test")
    job_path = start_import(client, auth, orgs["north"], feedback_csv(texts))
    job_id = int(job_path.rsplit("/", 1)[1])
    app.extensions["spstories.jobs"].wait(job_id, timeout=120)
    done = client.get(job_path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/done")
    assert "Imported 40" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert client.get(job_path).headers["Location"] == done.headers["Location"]  # again
    job = db.get(Job, job_id)
    assert job.result["engine"].startswith("Dask, 2 workers")
    assert job.result["created"] == 40
    # The same tags as tagging the stored texts in this process.
    codebook = db.scalars(select(Codebook).where(Codebook.key == "sp-outcomes")).one()
    codes = {code.key: code.id for code in codebook.codes}
    _spec, tagger = tagger_for(codebook)
    expected = sorted(
        (text, codes[t.code], str(t.polarity), t.start, t.end, t.evidence, t.score)
        for text in texts for t in tagger.tag(text)
    )
    assert stored_tags(db) == expected and len(expected) > 30
    assert not list(big_imports.glob("*.data"))  # the uploaded copy is gone


def test_a_refused_background_import_lists_its_rows_and_saves_nothing(
    app, client, auth, users, orgs, db, real_texts, big_imports
):
    texts = [r["text"] for r in real_texts[:12]]
    auth.login("manager@north.test")
    job_path = start_import(client, auth, orgs["north"], feedback_csv(texts, bad_dates={3, 9}))
    app.extensions["spstories.jobs"].wait(int(job_path.rsplit("/", 1)[1]), timeout=60)
    page = client.get(job_path).get_data(as_text=True)
    assert "Nothing was imported" in page and "2 problems in" in page
    assert '<td class="num">5</td>' in page and '<td class="num">11</td>' in page
    token = job_path.split("/")[2]
    report = client.get(f"/imports/{token}/errors.csv").get_data(as_text=True)
    assert report.splitlines()[1].startswith("5,")
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0


def test_small_imports_still_finish_in_the_request(client, auth, users, orgs, db, big_imports,
                                                   app):
    app.config["IMPORT_BACKGROUND_ROWS"] = 500
    auth.login("link_worker@north.test")
    response = upload_and_map(client, auth, orgs["north"], feedback_csv(["I feel better now."]))
    assert response.headers["Location"].endswith("/done")
    assert db.scalar(select(func.count()).select_from(Job)) == 0


def test_retagging_after_a_codebook_change_runs_on_dask_with_the_same_tags(
    app, client, auth, users, orgs, db, real_texts, on_dask, monkeypatch
):
    from spstories.storage.models import Client

    person = Client(organisation_id=orgs["north"].id, reference="N-1")
    db.add(person)
    db.flush()
    for i, row in enumerate(real_texts[:30]):
        db.add(Feedback(organisation_id=orgs["north"].id, client_id=person.id, source="client",
                        channel="email", received_on=date(2026, 1, 1 + i % 28), text=row["text"]))
    db.commit()
    codebook = db.scalars(select(Codebook).where(Codebook.key == "sp-outcomes")).one()
    retag_all(db, codebook)  # in this process, as before
    db.commit()
    in_process = stored_tags(db)
    db.execute(Tag.__table__.delete())
    db.commit()
    auth.login("researcher@north.test")
    response = auth.post(f"/codebooks/{codebook.id}/retag", {},
                         form_path=f"/codebooks/{codebook.id}")
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    app.extensions["spstories.jobs"].wait(job_id, timeout=120)
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["status"] == "done", status
    assert status["result"]["engine"].startswith("Dask")
    assert stored_tags(db) == in_process and len(in_process) > 20
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Tagged</dt><dd>Dask" in page


@pytest.fixture
def blocking_task():
    release, started = threading.Event(), threading.Event()

    @register_task("test_wait")
    def wait(session, params, progress):
        progress(0.25, "a quarter done")
        started.set()
        assert release.wait(30)
        return {"waited": True}

    yield started, release
    release.set()
    del TASKS["test_wait"]


def test_pages_answer_while_a_job_runs_and_other_processes_see_its_progress(
    app, client, auth, users, orgs, db, database_url, blocking_task
):
    started, release = blocking_task
    job = create_job(db, "test_wait", {}, users["researcher"], orgs["north"].id)
    db.commit()
    app.extensions["spstories.jobs"].submit(job.id)
    assert started.wait(30)
    auth.login("researcher@north.test")
    assert client.get("/").status_code == 200
    assert client.get("/codebooks/").status_code == 200
    mine = client.get(f"/jobs/{job.id}.json").get_json()
    assert (mine["status"], mine["progress"]) == ("running", 0.25)
    # Another web process (a second gunicorn worker) reads the same job from the database.
    other = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                        "DATABASE_URL": database_url, "SESSION_COOKIE_SECURE": False})
    try:
        other_client = other.test_client()
        AuthActions(other_client).login("researcher@north.test")
        seen = other_client.get(f"/jobs/{job.id}.json").get_json()
        assert (seen["status"], seen["progress"], seen["message"]) == (
            "running", 0.25, "a quarter done")
        listing = other_client.get("/jobs/").get_data(as_text=True)
        assert "Test wait" in listing and "25%" in listing
        release.set()
        app.extensions["spstories.jobs"].wait(job.id, timeout=30)
        assert other_client.get(f"/jobs/{job.id}.json").get_json()["status"] == "done"
    finally:
        other.extensions["spstories.jobs"].shutdown()
        other.extensions["spstories.engine"].dispose()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_jobs_of_a_dead_process_are_marked_interrupted(app, client, auth, users, orgs, db):
    host = socket.gethostname()
    now = utcnow()
    jobs = {
        "dead here": Job(kind="retag", status="running", runner=f"{host}:{_dead_pid()}",
                         heartbeat_at=now, started_at=now),
        "silent elsewhere": Job(kind="retag", status="running", runner="other-host:41",
                                heartbeat_at=now - timedelta(minutes=20), started_at=now),
        "alive elsewhere": Job(kind="retag", status="running", runner="other-host:42",
                               heartbeat_at=now - timedelta(seconds=20), started_at=now),
        "queued, dead": Job(kind="retag", status="queued", runner=f"{host}:{_dead_pid()}"),
    }
    for job in jobs.values():
        job.organisation_id, job.params = orgs["north"].id, {}
        db.add(job)
    db.commit()
    assert reap_orphans(app.extensions["spstories.sessions"]) == 3
    db.expire_all()
    assert [jobs[k].status for k in jobs] == ["failed", "failed", "running", "failed"]
    assert jobs["dead here"].message.startswith("Interrupted: the server process running")
    assert "due to run" in jobs["queued, dead"].message
    # Noticed on observation too, without waiting for a restart.
    auth.login("manager@north.test")
    alive = jobs["alive elsewhere"]
    alive.heartbeat_at = utcnow() - timedelta(minutes=20)
    db.commit()
    assert client.get(f"/jobs/{alive.id}.json").get_json()["status"] == "failed"
    assert "Interrupted" in client.get("/jobs/").get_data(as_text=True)


def test_the_jobs_page_lists_only_the_users_organisations(client, auth, users, orgs, db):
    db.add_all([Job(kind="retag", status="done", organisation_id=orgs["south"].id, params={}),
                Job(kind="train", status="done", organisation_id=orgs["north"].id, params={})])
    db.commit()
    auth.login("researcher@north.test")
    page = client.get("/jobs/").get_data(as_text=True)
    assert "Train" in page and "Retag" not in page
    assert '<a href="/jobs/">Jobs</a>' in page


def test_spstories_retag_on_a_dask_scheduler(database_url, db, orgs, real_texts, scheduler):
    from click.testing import CliRunner

    from spstories.main import cli

    db.add_all([Feedback(organisation_id=orgs["south"].id, source="client", channel="email",
                         received_on=date(2026, 2, 1), text=row["text"])
                for row in real_texts[:15]])
    db.commit()
    result = CliRunner().invoke(cli, ["--database-url", database_url, "retag", "--scheduler",
                                      scheduler])
    assert result.exit_code == 0, result.output
    assert "Dask, 2 workers (scheduler tcp://127.0.0.1:" in result.output
    assert "Re-tagged 15 documents" in result.output
    assert len(stored_tags(db)) > 5


def test_spstories_import_saves_all_rows_tagged_on_dask_or_none(
    database_url, db, users, orgs, real_texts, scheduler, tmp_path
):
    from click.testing import CliRunner

    from spstories.main import cli

    texts = [r["text"] for r in real_texts[:25]]
    good, bad = tmp_path / "survey.csv", tmp_path / "broken.csv"
    good.write_bytes(feedback_csv(texts))
    bad.write_bytes(feedback_csv(texts, bad_dates={4}))
    base = ["--database-url", database_url, "import", "--kind", "feedback", "--organisation",
            orgs["north"].slug, "--user", "manager@north.test", "--scheduler", scheduler]
    refused = CliRunner().invoke(cli, [*base, "--errors", str(tmp_path / "e.csv"), str(bad)])
    assert refused.exit_code == 1
    assert "row 6, column 'Date received'" in refused.output
    assert "1 problems in broken.csv (all of them in" in refused.output
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0
    result = CliRunner().invoke(cli, [*base, str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported 25 feedback rows into North SP." in result.output
    assert "Dask, 2 workers" in result.output
    codebook = db.scalars(select(Codebook).where(Codebook.key == "sp-outcomes")).one()
    codes = {code.key: code.id for code in codebook.codes}
    _spec, tagger = tagger_for(codebook)
    assert stored_tags(db) == sorted(
        (text, codes[t.code], str(t.polarity), t.start, t.end, t.evidence, t.score)
        for text in texts for t in tagger.tag(text))
