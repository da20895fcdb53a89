"""The dashboard's per-client summaries stay equal to a plain recomputation from the base
tables whichever way the data were written: services, imports, review decisions, re-tagging,
the demo loader, deletions and cascades, hand-written SQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select, text, update

from spstories.core.importing import get_kind, guess_mapping, read_csv
from spstories.services import dashboard as service
from spstories.services import review
from spstories.services.case_studies import CaseStudyInput, approve, save_draft, submit
from spstories.services.clients import ClientInput, ReferralInput, create_client
from spstories.services.codebooks import latest_version
from spstories.services.demo import DEMO_DOMAIN, load_demo
from spstories.services.feedback import FeedbackInput, record_feedback
from spstories.services.imports import run_import
from spstories.services.measures import record_response
from spstories.services.tagging import retag_all
from spstories.storage import dashboard_summaries as summaries
from spstories.storage.db import make_engine
from spstories.storage.models import (
    CaseStudy,
    Client,
    DashboardClient,
    DashboardOutcome,
    DashboardPair,
    DashboardStale,
    Feedback,
    Tag,
    User,
)
from tests import dashboard_reference as reference
from tests.dashboard_data import _answers

FILTERS = [
    service.Filters(),
    service.Filters(by="gender"),
    service.Filters(by="source"),
    service.Filters(start=date(2025, 2, 1)),
    service.Filters(include_modified=True),
    service.Filters(confirmed_only=True),
    service.Filters(confirmed_only=True, by="age_band", include_modified=True),
]


def _import(db, user, org, kind: str, csv_text: str) -> None:  # type: ignore[no-untyped-def]
    table = read_csv(csv_text.encode(), f"{kind}.csv")
    result = run_import(db, user, org, kind, table, guess_mapping(get_kind(kind), table.header))
    assert result.ok, result.errors
    db.commit()


def _stale(db) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(DashboardStale))


def _write_everything(db, users, orgs) -> dict[str, Client]:  # type: ignore[no-untyped-def]
    """Clients, measures, narratives and tags through every write path of the app."""
    lw, manager = users["link_worker"], users["manager"]
    north = orgs["north"]
    clients = {}
    for i, (gender, source) in enumerate([("female", "gp"), ("male", "self"), ("female", "vcse"),
                                          ("male", "gp"), ("female", "self"), ("male", "gp")]):
        clients[f"H{i}"] = create_client(
            db, lw, ClientInput(north.id, f"H{i}", gender=gender, age_band="35-44"),
            ReferralInput(date(2025, 1 + i, 5), source=source, status="accepted"))
    db.commit()
    assert _stale(db) == 0  # refreshed as the transaction committed
    _import(db, manager, north, "clients", "Client ID,Age group,Sex,IMD\nI1,45-54,F,3\n"
                                           "I2,75 and over,male,\nI3,,,10\n")
    _import(db, lw, north, "referrals", "client,date,source\nI1,2025-02-01,gp\n"
                                        "I2,2025-03-01,self\nI3,2025-01-20,vcse\n")
    _import(db, manager, north, "measures",
            "Client ID,Measure,Stage,Date completed,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Modified\n"
            "I1,SWEMWBS,baseline,01/03/2025,3,3,3,3,3,3,3,no\n"
            "I1,SWEMWBS,exit,01/09/2025,4,4,4,4,4,4,4,no\n"
            "I2,SWEMWBS,baseline,01/03/2025,4,4,4,4,4,4,4,no\n"
            "I2,SWEMWBS,review 1,01/06/2025,3,3,3,3,3,3,3,yes\n"
            "I3,SWEMWBS,baseline,01/03/2025,3,3,3,3,3,3,3,no\n"
            "I3,SWEMWBS,exit,01/09/2025,3,3,3,3,3,3,3,no\n"
            "I3,ONS4,baseline,01/03/2025,4,5,4,7,,,,no\n"
            "I3,ONS4,exit,2025-09-01,8,8,7,3,,,,\n")
    _import(db, lw, north, "feedback",
            "Client ID,Date,From,Channel,Comments\n"
            "I1,2025-05-01,client,survey,I feel less lonely since joining the group.\n"
            "I2,2025-05-02,client,survey,My anxiety has got worse and I feel more isolated.\n"
            "I3,2025-05-03,client,survey,I feel much more confident now.\n")
    plan = {"H0": (21, 28, "exit"), "H1": (28, 21, "exit"), "H2": (21, 21, "exit"),
            "H3": (21, 35, "review"), "H4": (21, 28, "exit"), "H5": (28, 35, "exit")}
    for ref, (base, follow, timepoint) in plan.items():
        client = clients[ref]
        record_response(db, client, instrument_id="swemwbs", answers=_answers(base),
                        timepoint="baseline", administered_on=date(2025, 3, 1), actor=lw)
        record_response(db, client, instrument_id="swemwbs", answers=_answers(follow),
                        timepoint=timepoint, review_number=1 if timepoint == "review" else None,
                        administered_on=date(2025, 9, 1), actor=lw)
    # H2: a modified exit, later, and the same day's exit recorded twice (the later wins)
    record_response(db, clients["H2"], instrument_id="swemwbs", answers=_answers(35),
                    timepoint="exit", administered_on=date(2025, 10, 1), modified=True,
                    modification_note="read aloud", actor=lw)
    record_response(db, clients["H0"], instrument_id="swemwbs", answers=_answers(35),
                    timepoint="exit", administered_on=date(2025, 9, 1), actor=lw)
    db.commit()
    texts = {"H0": "I feel much more confident now.",
             "H1": "She started volunteering at the food bank every week.",
             "H2": "I feel less lonely since joining the group.",
             "H3": "My anxiety has got worse and I feel more isolated than before.",
             "H4": "His debts are now under control after the debt advice.",
             "H5": "I have been feeling more anxious and lonelier since the group closed."}
    for ref, words in texts.items():
        record_feedback(db, lw, FeedbackInput(north.id, "client", "survey", date(2025, 9, 2),
                                              words, client_reference=ref))
    db.commit()
    story = CaseStudyInput(north.id, title="H1's story", client_reference="H1",
                           narrative="I feel much more confident now. I feel less lonely since "
                                     "joining the group.")
    approve(db, manager, submit(db, lw, story))
    save_draft(db, lw, CaseStudyInput(north.id, title="draft", client_reference="H5",
                                      narrative="I feel much more confident now."))
    db.commit()
    assert _stale(db) == 0
    return clients


def _tag(db, client: Client, polarity: str | None = None) -> Tag:  # type: ignore[no-untyped-def]
    stmt = select(Tag).where(Tag.client_id == client.id).order_by(Tag.id)
    if polarity:
        stmt = stmt.where(Tag.polarity == polarity)
    return db.scalars(stmt).first()


def _review_delete_and_rewrite(db, users, clients) -> None:  # type: ignore[no-untyped-def]
    researcher = users["researcher"]
    codebook = latest_version(db, "sp-outcomes")
    review.decide(db, researcher, _tag(db, clients["H0"]), "accept")
    review.decide(db, researcher, _tag(db, clients["H3"], "worsened"), "reject")
    review.decide(db, researcher, _tag(db, clients["H2"]), "change", polarity="worsened")
    feedback = db.scalars(select(Feedback).where(Feedback.client_id == clients["H4"].id)).one()
    review.add_missed(db, researcher, codebook, feedback, "text", 0, 8, "confidence", "improved")
    db.commit()
    retag_all(db, codebook)  # machine suggestions replaced, reviewed and human tags kept
    db.commit()
    # deletions: a document (its tags cascade) and a client (everything cascades)
    db.delete(db.scalars(select(Feedback).where(Feedback.client_id == clients["H5"].id)).one())
    db.delete(db.get(Client, clients["H1"].id))
    db.commit()
    # hand-written SQL through the session
    db.execute(update(Tag).where(Tag.client_id == clients["H0"].id).values(polarity="worsened"))
    db.execute(text("DELETE FROM measure_responses WHERE client_id = :c AND timepoint = 'exit'"),
               {"c": clients["H4"].id})
    db.commit()
    assert _stale(db) == 0


def _assert_same(db, user, f: service.Filters) -> service.Dashboard:  # type: ignore[no-untyped-def]
    figures = service.build(db, user, f)
    ref = reference.compute(db, user, f)
    assert figures.completion == ref.completion, f
    assert figures.coverage == ref.coverage, f
    assert service.sum_groups(figures.outcomes) == ref.outcomes, f
    assert {g: {k: n for k, (n, _) in per.items()} for g, per in figures.outcomes.items()} == (
        ref.group_outcomes), f
    assert {(d.client_id, d.kind, d.change_class) for d in figures.discordant} == (
        ref.discordant), f
    cohort = service.cohort_for(user, f)
    scales = [(i.id, s) for i, s in service.reported_scales()]
    stored = reference.paired_scores(db, cohort, scales, f.include_modified)
    assert {(r.client_id, r.instrument, r.scale): (r.baseline, r.follow_up)
            for r in stored} == ref.pairs, f
    splits = {None: None, **{g: {c for c, cg in ref.groups.items() if cg == g}
                             for g in set(ref.groups.values())}} if f.by else {None: None}
    for group, members in splits.items():
        for row in figures.measures.get(group, []):
            _same_summary(row.summary, ref.summary(row.instrument.id, row.scale, members))
    for with_, without in figures.with_case_study:
        scale = (with_.instrument.id, with_.scale)
        _same_summary(with_.summary, ref.summary(*scale, ref.case_study))
        _same_summary(without.summary, ref.summary(*scale, set(ref.groups) - ref.case_study))
    return figures


def _same_summary(got, expected) -> None:  # type: ignore[no-untyped-def]
    assert (got.n, got.improved, got.no_change, got.deteriorated) == (
        expected.n, expected.improved, expected.no_change, expected.deteriorated)
    for name in ("mean_baseline", "mean_follow_up", "mean_change", "ci_low", "ci_high",
                 "wilcoxon_p", "effect_size_dz"):
        assert getattr(got, name) == pytest.approx(getattr(expected, name)), name


def test_summaries_equal_a_recomputation_after_every_write_path(db, users, orgs):
    clients = _write_everything(db, users, orgs)
    before = _assert_same(db, users["researcher"], service.Filters())
    assert before.discordant and service.sum_groups(before.outcomes)
    assert next(r for r in before.measures[None] if r.instrument.id == "swemwbs").summary.n == 8
    _review_delete_and_rewrite(db, users, clients)
    for f in FILTERS:
        _assert_same(db, users["researcher"], f)
    south = users["south_link_worker"]
    assert service.build(db, south, service.Filters()).completion == {}


def test_writes_outside_the_app_are_caught_when_the_dashboard_is_read(db, users, orgs,
                                                                      database_url):
    _write_everything(db, users, orgs)
    db.commit()
    engine = make_engine(database_url)  # another connection, no session, no refresh hook
    with engine.begin() as conn:
        conn.execute(delete(Tag.__table__).where(Tag.polarity == "improved"))
        conn.execute(update(CaseStudy.__table__).values(status="draft"))
    engine.dispose()
    db.expire_all()
    assert _stale(db) > 0
    for f in FILTERS[:3]:
        _assert_same(db, users["researcher"], f)
    db.rollback()


def test_rebuild_recomputes_every_client_from_scratch(db, users, orgs):
    _write_everything(db, users, orgs)
    tables = (DashboardClient, DashboardPair, DashboardOutcome)

    def snapshot():  # type: ignore[no-untyped-def]
        return {m.__tablename__: sorted(tuple(r) for r in db.execute(select(m.__table__)))
                for m in tables}

    current = snapshot()
    assert all(current.values())
    db.execute(delete(DashboardOutcome.__table__))
    db.execute(update(DashboardClient.__table__).values(story=0))
    assert summaries.rebuild(db) == db.scalar(select(func.count()).select_from(Client))
    assert snapshot() == current


def test_the_demo_loader_leaves_summaries_that_match(db):
    load_demo(db, clients=30, seed=3)
    db.commit()
    assert _stale(db) == 0
    researcher = db.scalars(select(User).where(User.email == f"researcher@{DEMO_DOMAIN}")).one()
    figures = _assert_same(db, researcher, service.Filters())
    assert sum(n for n, _, _ in figures.completion.values()) == 30
    _assert_same(db, researcher, service.Filters(by="imd_decile", confirmed_only=True))
