"""Topic runs over stored narratives: scoping, residual, storing, saving, promoting."""

from __future__ import annotations

import json

import pytest

from spstories.core.topics.corpus import build_units
from spstories.core.topics.model import TopicParams
from spstories.core.topics.planted import THEMES
from spstories.errors import SpstoriesError
from spstories.services.codebooks import latest_version
from spstories.services.jobs import create_job, run_job
from spstories.services.tagging import tagger_for
from spstories.services.topics import create_run, gather_sources, promote_topic, run_topics
from spstories.storage.db import make_engine, make_session_factory
from spstories.storage.models import AuditEvent, Job, TopicRun
from tests.topic_data import CODED, add_planted_feedback

PARAMS = TopicParams(residual=True, min_topic_size=10, seed=3)


def _run(db, users, orgs, tmp_path, params=PARAMS):
    codebook = latest_version(db, "sp-outcomes")
    run = create_run(db, users["researcher"], orgs["north"].id, codebook, params,
                     {"kinds": ["feedback"]})
    result = run_topics(db, run, lambda f, m: None, tmp_path)
    db.commit()
    return run, result


def test_a_residual_run_finds_the_planted_themes_and_leaves_out_coded_sentences(
        db, users, orgs, tmp_path):
    add_planted_feedback(db, orgs["north"].id)
    add_planted_feedback(db, orgs["south"].id, n=20, seed=9)  # another organisation's
    run, result = _run(db, users, orgs, tmp_path)
    units = build_units(gather_sources(db, orgs["north"].id, {"kinds": ["feedback"]}))
    assert len(units) == 320  # north only: 100 items of three sentences, 20 of them + CODED
    _spec, tagger = tagger_for(latest_version(db, "sp-outcomes"))
    untagged = [u for u in units if not tagger.tag(u.text)]
    assert CODED not in {u.text for u in untagged}
    assert result["units"] == run.corpus_size == len(untagged)
    labelled = {theme: [t for t in run.topics if t.number >= 0
                        and {w for w, _ in t.terms[:3]} <= set(THEMES[theme])]
                for theme in THEMES}
    assert all(labelled.values()), {k: len(v) for k, v in labelled.items()}
    assert sum(t.size for t in run.topics) == len(untagged)
    assert all(sum(t.over_time.values()) == t.size for t in run.topics)
    saved = json.loads((tmp_path / run.model_path.rsplit("/", 1)[1] / "params.json").read_text())
    assert saved["residual"] is True and saved["seed"] == 3
    assert saved["corpus_size"] == len(untagged)


def test_a_full_run_reports_overlap_with_codebook_codes(db, users, orgs, tmp_path):
    add_planted_feedback(db, orgs["north"].id)
    run, result = _run(db, users, orgs, tmp_path, TopicParams(min_topic_size=10, seed=3))
    assert result["units"] == 320
    coded_topics = [t for t in run.topics if t.code_overlap]
    assert coded_topics
    # The CODED sentences share no theme's words, so they gather in a topic of their own
    # (or among the outliers) that is wholly tagged with a code.
    assert any(max(t.code_overlap.values()) == t.size for t in coded_topics)


def test_a_user_cannot_run_over_another_organisation(db, users, orgs):
    with pytest.raises(SpstoriesError, match="your own organisation"):
        create_run(db, users["researcher"], orgs["south"].id, None, TopicParams(), {})


def test_too_few_sentences_fail_the_job_with_a_reason(db, users, orgs, database_url):
    add_planted_feedback(db, orgs["north"].id, n=2)
    run = create_run(db, users["researcher"], orgs["north"].id, None, TopicParams(), {})
    job = create_job(db, "topics", {"run_id": run.id}, users["researcher"], orgs["north"].id)
    db.commit()
    engine = make_engine(database_url)
    run_job(make_session_factory(engine), job.id)
    engine.dispose()
    db.expire_all()
    assert db.get(Job, job.id).status == "failed"
    assert "too few texts" in db.get(Job, job.id).message


def test_promoting_a_topic_makes_a_new_codebook_version_with_a_draft_code(
        db, users, orgs, tmp_path):
    add_planted_feedback(db, orgs["north"].id)
    run, _result = _run(db, users, orgs, tmp_path)
    topic = run.topics[0]
    before = latest_version(db, "sp-outcomes")
    row = promote_topic(db, users["researcher"], topic, label="Growing food together",
                        definition="Edit me.", polarity="improved")
    db.commit()
    assert latest_version(db, "sp-outcomes", drafts=True).id == row.id != before.id
    # an unreviewed draft never becomes the version the app tags with
    assert latest_version(db, "sp-outcomes").id == before.id
    assert row.version == "1.1.0-draft.1"
    code = next(c for c in row.codes if c.key == "growing_food_together")
    assert code.definition == "Edit me."
    assert f"topic run {run.id}" in row.source_yaml
    assert all(r["text"] in row.source_yaml for r in topic.representatives)
    assert topic.promoted_codebook_id == row.id
    assert db.query(AuditEvent).filter_by(action="topics.promote").count() == 1
    second = promote_topic(db, None, run.topics[1], label="Second", definition="x",
                           polarity="improved")
    assert second.version == "1.1.0-draft.2"
    assert {c.key for c in second.codes} >= {"growing_food_together", "second"}
    assert db.get(TopicRun, run.id).topics[1].promoted_code_key == "second"
