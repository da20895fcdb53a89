"""Review decisions, missed tags, machine agreement and training from reviews."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from spstories.services import review
from spstories.services.machine_agreement import machine_agreement
from spstories.services.tagging import tag_document
from spstories.services.training import reviewed_units, train_codebook
from spstories.storage.models import AuditEvent, Codebook, Feedback, Tag, TagReview

TEXT = "I feel much more confident now. I still worry about money."


@pytest.fixture
def tagged(db, orgs):
    feedback = Feedback(organisation_id=orgs["north"].id, source="client", channel="email",
                        received_on=date(2026, 1, 5), text=TEXT)
    db.add(feedback)
    db.flush()
    tags = tag_document(db, feedback)
    db.commit()
    assert tags, "the rules should tag this text"
    return feedback, tags


def test_accept_and_reject_keep_the_suggestion_and_record_who(db, users, tagged):
    _, tags = tagged
    user = users["researcher"]
    review.decide(db, user, tags[0], "accept", note="clear")
    db.commit()
    assert tags[0].review_state == "accepted"
    row = db.scalars(select(TagReview)).one()
    assert (row.user_id, row.decision, row.note) == (user.id, "accept", "clear")
    assert row.created_at is not None
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "tag.review")).first()


def test_change_rejects_the_original_and_adds_a_human_tag(db, users, tagged):
    _, tags = tagged
    original = tags[0]
    code, polarity = original.code.key, original.polarity
    other = "worsened" if polarity != "worsened" else "improved"
    made = review.decide(db, users["manager"], original, "change", polarity=other)
    db.commit()
    assert (original.review_state, original.code.key, original.polarity) == (
        "rejected", code, polarity)
    new = db.get(Tag, made.new_tag_id)
    assert (new.origin, new.review_state, new.polarity) == ("human", "accepted", other)
    assert new.created_by_id == users["manager"].id
    with pytest.raises(review.ReviewError):
        review.decide(db, users["manager"], new, "change", polarity=other)


def test_add_missed_checks_offsets_and_organisation(db, users, tagged, orgs):
    feedback, _ = tagged
    codebook = db.scalars(select(Codebook).where(Codebook.key == "sp-outcomes")).first()
    start = TEXT.index("I still")
    made = review.add_missed(db, users["researcher"], codebook, feedback, "text", start,
                             len(TEXT), "finances", "unchanged")
    db.commit()
    tag = db.get(Tag, made.tag_id)
    assert tag.evidence == TEXT[start:] and tag.origin == "human"
    with pytest.raises(review.ReviewError):
        review.add_missed(db, users["researcher"], codebook, feedback, "text", 5, 999,
                          "finances", "unchanged")
    with pytest.raises(review.ReviewError):
        review.add_missed(db, users["south_link_worker"], codebook, feedback, "text", 0, 5,
                          "finances", "unchanged")


def test_queue_filters_and_scoping(db, users, tagged):
    _, tags = tagged
    codebook_id = tags[0].code.codebook_id
    everything = review.queue(db, users["researcher"], review.QueueFilters(codebook_id))
    assert {t.id for t in everything} == {t.id for t in tags}
    one = review.queue(db, users["researcher"],
                       review.QueueFilters(codebook_id, code=tags[0].code.key))
    assert all(t.code.key == tags[0].code.key for t in one)
    assert review.queue(db, users["south_link_worker"], review.QueueFilters(codebook_id)) == []
    review.decide(db, users["researcher"], tags[0], "reject")
    db.commit()
    left = review.queue(db, users["researcher"], review.QueueFilters(codebook_id))
    assert tags[0].id not in {t.id for t in left}


def test_agreement_counts_only_fully_reviewed_texts(db, users, tagged):
    feedback, tags = tagged
    codebook = tags[0].code.codebook
    assert machine_agreement(db, users["researcher"], codebook).units == 0
    for tag in tags:
        review.decide(db, users["researcher"], tag, "accept")
    start = TEXT.index("I still")
    review.add_missed(db, users["researcher"], codebook, feedback, "text", start, len(TEXT),
                      "housing", "unchanged")
    db.commit()
    result = machine_agreement(db, users["researcher"], codebook)
    assert result.units == 1
    housing = next(row for row in result.codes if row.code == "housing")
    assert (housing.machine, housing.confirmed) == (0, 1)
    assert result.report.micro_pairs.precision == 1.0
    assert result.report.micro_pairs.recall < 1.0


def test_training_from_reviews(db, users, tagged, tmp_path):
    _, tags = tagged
    review.decide(db, users["researcher"], tags[0], "accept")
    db.commit()
    codebook = tags[0].code.codebook
    units = reviewed_units(db, codebook)
    assert units and units[0].labels == {f"{tags[0].code.key}|{tags[0].polarity}"}
    result = train_codebook(db, codebook, root=tmp_path, folds=2)
    assert (result.directory / "MODEL_CARD.md").is_file()
    assert result.n_units > len(units)  # the codebook examples are in too
