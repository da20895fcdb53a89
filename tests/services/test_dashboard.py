"""Dashboard figures on a hand-checked data set (see tests/dashboard_data.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from spstories.core.learning.artifacts import newest_model
from spstories.core.measures import pair_baseline_follow_up
from spstories.services import dashboard as service
from spstories.services.dashboard_tables import all_tables, coverage_warning
from spstories.storage.models import MeasureResponse
from tests import dashboard_data
from tests.dashboard_reference import paired_scores


@pytest.fixture
def data(db, orgs, users):
    return dashboard_data.build(db, orgs, users)


def _swemwbs(figures, group=None):
    return next(r for r in figures.measures[group] if r.instrument.id == "swemwbs").summary


def test_measure_change_pairs_in_sql_and_excludes_modified(db, users, data):
    figures = service.build(db, users["researcher"], service.Filters())
    s = _swemwbs(figures)
    # c1 +5.78, c2 -5.78, c3 0 (modified exit left out), c4 +5.78 (review, no exit)
    assert s.n == 4
    assert s.mean_change == pytest.approx(5.78 / 4)
    assert (s.improved, s.no_change, s.deteriorated) == (2, 1, 1)
    assert figures.modified == {"swemwbs": 1}
    with_modified = service.build(db, users["researcher"], service.Filters(include_modified=True))
    assert _swemwbs(with_modified).improved == 3
    assert with_modified.modified == {}


def test_sql_pairing_agrees_with_the_core_rule(db, users, data):
    cohort = service.cohort_for(users["researcher"], service.Filters())
    rows = {r.client_id: (r.baseline, r.follow_up)
            for r in paired_scores(db, cohort, [("swemwbs", "swemwbs_metric")])}
    for client in (c for k, c in data.items() if k != "s1"):
        responses = [
            {"timepoint": r.timepoint, "date": r.administered_on, "modified": r.modified,
             "review_number": r.review_number, "scales": {s.scale: s.value for s in r.scores}}
            for r in db.query(MeasureResponse).filter_by(client_id=client.id)
        ]
        pairing = pair_baseline_follow_up(responses, scale="swemwbs_metric")
        expected = ((pairing.baseline["scales"]["swemwbs_metric"],
                     pairing.follow_up["scales"]["swemwbs_metric"]) if pairing.paired else None)
        assert rows.get(client.id) == expected, client.reference


def test_outcome_counts_count_clients_split_by_confirmation(db, users, data):
    figures = service.build(db, users["researcher"], service.Filters())
    totals = service.sum_groups(figures.outcomes)
    assert totals[("confidence", "improved")] == (1, 0)  # machine-only
    assert totals[("engagement", "improved")] == (1, 1)  # human
    assert totals[("loneliness", "worsened")] == (2, 1)  # one accepted, one suggested
    assert ("loneliness", "improved") not in totals  # rejected tags never count
    assert totals[("finances", "improved")] == (1, 0)  # sub-code rolled up
    assert figures.coverage == {"all": (5, 4, 1)}


def test_discordance_lists_both_directions(db, users, data):
    figures = service.build(db, users["researcher"], service.Filters())
    found = {(d.reference, d.kind, d.change_class) for d in figures.discordant}
    assert found == {("C2", "story_better", "deteriorated"), ("C4", "score_better", "improved")}
    c2 = next(d for d in figures.discordant if d.reference == "C2")
    assert (c2.baseline, c2.follow_up) == (25.03, 19.25)
    assert c2.quotes == ("engagement: C2 engagement improved",)


def test_scoped_to_the_users_organisations(db, users, orgs, data):
    south = service.build(db, users["south_link_worker"], service.Filters())
    assert _swemwbs(south).n == 1 and south.discordant == []
    assert service.sum_groups(south.outcomes) == {("confidence", "improved"): (1, 0)}
    # asking for another organisation gives nothing, never that organisation's data
    other = service.build(db, users["researcher"],
                          service.Filters(organisation_id=orgs["south"].id))
    assert _swemwbs(other).n == 0 and other.coverage == {}


def test_filters_and_kpis(db, users, data):
    figures = service.build(db, users["manager"], service.Filters(start=date(2025, 2, 1)))
    assert sum(service.sum_groups(figures.referrals).values()) == 4  # c1 referred in January
    assert _swemwbs(figures).n == 3
    gp = service.build(db, users["manager"], service.Filters(source="self"))
    assert service.sum_groups(gp.referrals) == {("self", "completed"): 2}
    assert gp.days_to_contact == [(4, 2)]
    assert gp.completion == {"all": (2, 2, 2)}


def test_breakdown_by_source_and_gender(db, users, data):
    figures = service.build(db, users["manager"], service.Filters(by="source"))
    assert figures.groups == ["gp", "self", "vcse"]
    assert _swemwbs(figures, "gp").n == 2 and _swemwbs(figures, "self").n == 2
    by_gender = service.build(db, users["manager"], service.Filters(by="gender"))
    assert by_gender.coverage == {"female": (2, 2, 1), "male": (3, 2, 0)}


def test_tables_suppress_small_numbers(db, users, data):
    figures = service.build(db, users["manager"], service.Filters(by="gender"))
    tables = {t.slug: t for t in all_tables(figures, 5)}
    measures = tables["measures"].rows[0]
    assert measures[:2] == ["SWEMWBS metric score", "<5"] and set(measures[2:]) == {"–"}
    assert "1 modified administrations excluded" in tables["measures"].note
    outcome = next(r for r in tables["outcomes"].rows if r[0] == "Engagement")
    assert outcome[1] == "<5"
    shown = {t.slug: t for t in all_tables(figures, 1)}  # threshold 1: nothing is small
    assert shown["measures"].rows[0][1] == "4"
    assert shown["breakdown_kpis"].rows == [["female", "2", "2", "2", "2", "2"],
                                            ["male", "3", "3", "3", "3", "2"]]
    assert coverage_warning(figures, 0.2) is None  # 1 of 5 is exactly a fifth
    assert "describe 1 of 5 clients" in coverage_warning(figures, 0.5)


def test_confirmed_tags_only_restricts_outcomes_joint_display_and_discordance(db, users, data):
    figures = service.build(db, users["researcher"], service.Filters(confirmed_only=True))
    assert figures.confirmed_only
    # c2's human tag and c3's accepted one; machine suggestions (c1, c4) no longer count
    assert service.sum_groups(figures.outcomes) == {("engagement", "improved"): (1, 1),
                                                    ("loneliness", "worsened"): (1, 1)}
    # c4's worsened story is only a suggestion: C4 leaves the list, C2's is human-made
    assert {(d.reference, d.kind) for d in figures.discordant} == {("C2", "story_better")}
    assert figures.discordant[0].quotes == ("engagement: C2 engagement improved",)
    with_modified = service.build(db, users["researcher"],
                                  service.Filters(confirmed_only=True, include_modified=True))
    # c3's accepted worsened story beside its modified exit, which improved
    assert {(d.reference, d.kind) for d in with_modified.discordant} == {
        ("C2", "story_better"), ("C3", "score_better")}
    # everything else is as without the switch
    everything = service.build(db, users["researcher"], service.Filters())
    assert (figures.completion, figures.coverage, figures.referrals) == (
        everything.completion, everything.coverage, everything.referrals)
    assert _swemwbs(figures) == _swemwbs(everything)
    tables = {t.slug: t for t in all_tables(figures, 1)}
    loneliness = next(r for r in tables["joint"].rows if r[0] == "Loneliness")
    assert loneliness[2:] == ["0 (0%)", "1 (25%)", "0 (0%)"]
    confidence = next(r for r in tables["outcomes"].rows if r[0] == "Confidence")
    assert confidence[1] == "0"
    assert "Confirmed tags only" in tables["outcomes"].note
    assert "confirmed tags only" in tables["discordance"].note
    by_gender = service.build(db, users["manager"],
                              service.Filters(confirmed_only=True, by="gender"))
    assert by_gender.outcomes == {"female": {("engagement", "improved"): (1, 1)},
                                  "male": {("loneliness", "worsened"): (1, 1)}}


def test_outcome_counts_carry_the_shipped_models_figures(db, users, data, shipped_models):
    figures = service.build(db, users["manager"], service.Filters())
    manifest = json.loads(
        (newest_model(shipped_models, "sp-outcomes") / "manifest.json").read_text()
    )
    assert figures.trust == manifest["trust"]
    table = {t.slug: t for t in all_tables(figures, 1)}["outcomes"]
    assert table.columns[-3:] == ["Machine tags right", "Machine finds", "Count confidence"]
    rows = {r[0]: r for r in table.rows}
    for code, trust in manifest["trust"].items():
        row = rows[code.replace("_", " ").capitalize()]
        assert row[-3] == f"about {round(trust['precision'] * 10)} in 10"
        assert row[-1] == ("low-confidence count" if trust["f1"] < 0.6 else "ok")
    assert "low-confidence count" in table.note


def test_without_a_model_outcome_counts_have_no_trust_columns(db, users, data):
    figures = service.build(db, users["manager"], service.Filters())
    assert figures.trust == {}
    table = {t.slug: t for t in all_tables(figures, 1)}["outcomes"]
    assert "Machine tags right" not in table.columns
