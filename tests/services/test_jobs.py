"""Background jobs: progress, results and failures are recorded on the job row."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from spstories.errors import SpstoriesError
from spstories.services.jobs import TASKS, JobRunner, create_job, register_task
from spstories.storage.db import make_engine, make_session_factory
from spstories.storage.models import Job


@pytest.fixture
def runner(database_url):
    engine = make_engine(database_url)
    runner = JobRunner(make_session_factory(engine))
    yield runner
    runner.shutdown()
    engine.dispose()


@pytest.fixture
def counting_task():
    @register_task("test_count")
    def count(session, params, progress):
        for i in range(params["n"]):
            progress((i + 1) / params["n"], f"step {i + 1}")
        if params.get("fail"):
            raise SpstoriesError("the input was not usable")
        return {"counted": params["n"]}

    yield count
    del TASKS["test_count"]


def _job(db, users, **params):
    job = create_job(db, "test_count", params, users["researcher"])
    db.commit()
    return job.id


def test_a_job_runs_in_the_background_and_records_its_result(db, users, runner, counting_task):
    job_id = _job(db, users, n=3)
    runner.submit(job_id)
    runner.wait(job_id, timeout=30)
    db.expire_all()
    job = db.get(Job, job_id)
    assert (job.status, job.progress, job.result) == ("done", 1.0, {"counted": 3})
    assert job.started_at <= job.finished_at


def test_a_failing_job_says_why(db, users, runner, counting_task):
    job_id = _job(db, users, n=2, fail=True)
    runner.submit(job_id)
    runner.wait(job_id, timeout=30)
    db.expire_all()
    job = db.get(Job, job_id)
    assert job.status == "failed"
    assert job.message == "the input was not usable"


def test_unknown_kinds_are_refused(db, users):
    with pytest.raises(SpstoriesError):
        create_job(db, "no_such_job", {}, users["admin"])


def test_retag_job_from_the_codebook_page(app, client, auth, users, orgs, db):
    from spstories.storage.models import Client, Code, Codebook, Feedback, Tag

    person = Client(organisation_id=orgs["north"].id, reference="N-1")
    db.add(person)
    db.flush()
    db.add(Feedback(organisation_id=orgs["north"].id, client_id=person.id, source="client",
                    channel="email", received_on=date(2026, 1, 5),
                    text="I feel much more confident now."))
    db.commit()
    codebook = db.scalars(select(Codebook).where(Codebook.key == "sp-outcomes")).one()
    auth.login("researcher@north.test")
    response = auth.post(f"/codebooks/{codebook.id}/retag", {},
                         form_path=f"/codebooks/{codebook.id}")
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    app.extensions["spstories.jobs"].wait(job_id, timeout=60)
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["status"] == "done", status
    assert status["result"]["documents"] == 1
    codes = db.scalars(select(Code.key).join(Tag, Tag.code_id == Code.id)).all()
    assert "confidence" in codes


def test_link_workers_cannot_start_a_retag(client, auth, users, db):
    from spstories.storage.models import Codebook

    codebook = db.scalars(select(Codebook)).first()
    auth.login("link_worker@north.test")
    response = auth.post(f"/codebooks/{codebook.id}/retag", {},
                         form_path=f"/codebooks/{codebook.id}")
    assert response.status_code == 403
