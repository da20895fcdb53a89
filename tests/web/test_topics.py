"""Topics pages: start a run, wait for its job, read the topics, promote one."""

from __future__ import annotations

import re

from spstories.services.codebooks import latest_version
from spstories.storage.models import TopicRun
from tests.topic_data import add_planted_feedback


def _start(app, client, auth, db, users, orgs, tmp_path):
    app.config["MODELS_DIR"] = str(tmp_path / "models")
    add_planted_feedback(db, orgs["north"].id)
    auth.login(users["researcher"].email)
    codebook = latest_version(db, "sp-outcomes")
    response = auth.post("/topics/", {
        "organisation": orgs["north"].id, "kinds": ["feedback"], "level": "sentence",
        "codebook": codebook.id, "residual": "y", "min_topic_size": 10, "seed": 5})
    assert response.status_code == 302, response.get_data(as_text=True)
    run_id = int(re.search(r"/topics/runs/(\d+)", response.headers["Location"]).group(1))
    db.expire_all()
    run = db.get(TopicRun, run_id)
    app.extensions["spstories.jobs"].wait(run.job_id, timeout=60)
    return run_id


def test_a_researcher_runs_topics_and_reads_them(app, client, auth, db, users, orgs, tmp_path):
    run_id = _start(app, client, auth, db, users, orgs, tmp_path)
    page = client.get(f"/topics/runs/{run_id}").get_data(as_text=True)
    assert "Top terms (c-TF-IDF)" in page and "Representative sentences" in page
    assert "allotment" in page or "garden" in page
    assert 'role="img"' in page and "<svg" in page  # offline charts, with a table beside
    assert 'id="over-time"' in page and "2025-01" in page
    assert re.search(r"\d+ topics in \d+ sentences; \d+ fitted no topic", page)
    assert "Default backend" in page
    assert [p.name for p in (tmp_path / "models").glob("topics-*/MODEL_CARD.md")] == [
        "MODEL_CARD.md"]
    listing = client.get("/topics/").get_data(as_text=True)
    assert f"Run {run_id}" in listing and "done" in listing


def test_promoting_a_topic_creates_a_new_codebook_version(
        app, client, auth, db, users, orgs, tmp_path):
    run_id = _start(app, client, auth, db, users, orgs, tmp_path)
    before = latest_version(db, "sp-outcomes")
    path = f"/topics/runs/{run_id}/topics/0/promote"
    form = client.get(path).get_data(as_text=True)
    assert "DRAFT from topic run" in form
    response = auth.post(path, {"label": "Shared interests", "definition": "Edited definition.",
                                "polarity": "improved"})
    assert response.status_code == 302
    db.expire_all()
    after = latest_version(db, "sp-outcomes", drafts=True)
    assert after.id != before.id and after.version == "1.1.0-draft.1"
    assert latest_version(db, "sp-outcomes").id == before.id
    assert "shared_interests" in {c.key for c in after.codes}
    assert "Promoted as draft code" in client.get(f"/topics/runs/{run_id}").get_data(as_text=True)


def test_other_organisations_runs_are_not_found_and_managers_only_read(
        app, client, auth, db, users, orgs, tmp_path):
    run_id = _start(app, client, auth, db, users, orgs, tmp_path)
    auth.logout()
    auth.login(users["manager"].email)
    assert client.get(f"/topics/runs/{run_id}").status_code == 200
    assert "Find topics" not in client.get("/topics/").get_data(as_text=True)
    assert client.get(f"/topics/runs/{run_id}/topics/0/promote").status_code == 403
    auth.logout()
    auth.login(users["south_link_worker"].email)
    assert client.get(f"/topics/runs/{run_id}").status_code == 403
    db.execute(TopicRun.__table__.update().values(organisation_id=orgs["south"].id))
    db.commit()
    auth.logout()
    auth.login(users["researcher"].email)
    assert client.get(f"/topics/runs/{run_id}").status_code == 404
