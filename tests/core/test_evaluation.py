"""Scoring as the spec defines it: per text, over (code, polarity) pairs and codes."""

from __future__ import annotations

import pytest

from spstories.core.evaluation import (
    check_examples,
    cohen_kappa,
    evaluate,
    f1,
    format_report,
    pairs_from_tags,
)
from spstories.core.io import read_gold
from spstories.core.tags import Polarity, Tag

GOLD = {
    "a": {("loneliness", "improved"), ("connection", "improved")},
    "b": {("anxiety", "worsened")},
    "c": set(),
}
PREDICTED = {
    "a": {("loneliness", "improved"), ("connection", "worsened")},
    "b": {("anxiety", "worsened"), ("wellbeing", "improved")},
    "c": set(),
}


def test_pairs_are_scored_per_text():
    report = evaluate(PREDICTED, GOLD)
    assert report.n_texts == 3
    assert report.pairs[("loneliness", "improved")].tp == 1
    assert report.pairs[("connection", "worsened")].fp == 1
    assert report.pairs[("connection", "improved")].fn == 1
    micro = report.micro_pairs  # tp 2, fp 2, fn 1
    assert (micro.precision, micro.recall) == pytest.approx((2 / 4, 2 / 3))
    assert micro.f1 == pytest.approx(f1(0.5, 2 / 3))


def test_codes_alone_ignore_polarity_and_macro_averages_labels():
    report = evaluate(PREDICTED, GOLD)
    assert report.codes["connection"].tp == 1  # wrong polarity, right code
    micro = report.micro_codes  # tp 3 (loneliness, connection, anxiety), fp 1 (wellbeing)
    assert (micro.precision, micro.recall, micro.f1) == pytest.approx((0.75, 1.0, 6 / 7))
    # four codes: loneliness 1, connection 1, anxiety 1, wellbeing 0
    assert report.macro_codes.f1 == pytest.approx(0.75)
    # five pairs: loneliness and anxiety score 1, the three others 0
    assert report.macro_pairs.f1 == pytest.approx(2 / 5)


def test_missing_predictions_count_as_none_and_extra_ids_are_refused():
    report = evaluate({}, GOLD)
    assert report.micro_pairs.recall == 0.0 and report.micro_pairs.precision == 0.0
    with pytest.raises(ValueError, match="without gold"):
        evaluate({"zzz": set()}, GOLD)


def test_report_text_lists_codes_pairs_and_averages():
    text = format_report(evaluate(PREDICTED, GOLD))
    assert "loneliness" in text and "connection, worsened" in text
    for line in (
        "micro, (code, polarity)",
        "macro, (code, polarity)",
        "micro, code",
        "macro, code",
    ):
        assert line in text


def test_pairs_from_tags_roll_up_sub_codes():
    tags = [
        Tag("finances.debt", Polarity.IMPROVED, 0, 1, "x", 0.9),
        Tag("housing", None, 0, 1, "x", 0.5),
    ]
    assert pairs_from_tags(tags, lambda code: code.split(".")[0]) == {
        ("finances", "improved"),
        ("housing", None),
    }


def test_cohen_kappa():
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == 1.0
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 1, 0]) == pytest.approx(0.0)
    assert cohen_kappa([1, 1, 1, 0], [1, 1, 0, 0]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 0])


def test_examples_of_both_shipped_codebooks_pass(outcomes, tagger, practice, practice_tagger):
    for codebook, used in ((outcomes, tagger), (practice, practice_tagger)):
        failed = [r for r in check_examples(codebook, used) if not r.passed]
        assert failed == []


def test_rules_reach_the_quality_target_on_the_development_set(outcomes, tagger, dev_quotes):
    """A regression guard, not the quality figure itself (docs/tagger.md has those)."""
    gold_texts = read_gold(dev_quotes, codes=[c.id for c in outcomes.codes])
    gold = {g.id: set(g.pairs) for g in gold_texts}
    predicted = {
        g.id: pairs_from_tags(tags, outcomes.rollup)
        for g, tags in zip(gold_texts, tagger.tag_many(g.text for g in gold_texts), strict=True)
    }
    report = evaluate(predicted, gold)
    assert report.micro_pairs.f1 >= 0.70
    assert report.micro_pairs.precision >= 0.75
