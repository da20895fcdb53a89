"""Single-label ranking of subthemes for a passage."""

from __future__ import annotations

import pytest

from spstories.core.ranking import Ranker, profile, rank, ranker_for


@pytest.mark.parametrize(
    ("passage", "best"),
    [
        (
            "We use the WEMWBS at the first session and at twelve weeks and log referrals on "
            "a spreadsheet.",
            "quant.data_types",
        ),
        (
            "Clients find the questionnaire intrusive, it's a tick-box exercise and the "
            "scores don't reflect what we see.",
            "quant.suitability",
        ),
        ("We collect case studies and quotes, and keep the thank-you cards.", "qual.data_types"),
        (
            "GDPR and consent make it really hard to gather stories, and we have no time.",
            "qual.collection_challenges",
        ),
        (
            "Without a data sharing agreement our systems don't talk to each other.",
            "use.facilitating_factors",
        ),
        ("We report to the commissioners every quarter but nobody reads it.", "use.experiences"),
        (
            "Ideally there would be one dashboard so we could track people a year later.",
            "use.suggestions",
        ),
    ],
)
def test_typical_passages_rank_their_subtheme_first(practice, passage, best):
    ranking = rank(practice, passage)
    assert ranking[0][0] == best, ranking[:3]


def test_ranking_covers_every_leaf_in_descending_order(practice, practice_tagger):
    ranking = rank(practice_tagger, "We send the figures to the PCN.")
    codes = [code for code, _ in ranking]
    assert sorted(codes) == sorted(c.id for c in practice.leaves())
    scores = [score for _, score in ranking]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert rank(practice, "We send the figures to the PCN.") == ranking


def test_rankers_are_cached_and_an_empty_passage_still_ranks(practice):
    assert ranker_for(practice) is ranker_for(practice)
    ranking = ranker_for(practice).rank("")
    assert len(ranking) == 7 and all(score == 0.0 for _, score in ranking)


def test_profiles_use_definition_patterns_examples_and_parent(practice, practice_tagger):
    text = profile(practice, practice.code("use.suggestions"))
    assert "wish they could know" in text  # definition
    assert "dashboard" in text  # pattern, syntax removed
    assert "Utilisation of data" in text  # the parent theme
    assert "|" not in text and "*" not in text
    assert isinstance(Ranker(practice, practice_tagger).rank("x"), list)
