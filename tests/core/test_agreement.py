"""Agreement figures checked by hand and against scikit-learn and the krippendorff package."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from spstories.core.agreement import cohen_kappa, krippendorff_alpha, percent_agreement
from spstories.core.coding_units import Span, disagreements, report


def test_hand_worked_example():
    a = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 1, 0, 0]
    # 8 of 10 agree; p_e = 0.4*0.4 + 0.6*0.6 = 0.52; kappa = (0.8-0.52)/0.48
    assert percent_agreement([a, b]) == pytest.approx(0.8)
    assert cohen_kappa(a, b) == pytest.approx(0.28 / 0.48)


@pytest.mark.parametrize("seed", range(8))
def test_kappa_matches_sklearn(seed):
    rng = random.Random(seed)
    a = [rng.choice("xyz") for _ in range(40)]
    b = [x if rng.random() < 0.6 else rng.choice("xyz") for x in a]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


@pytest.mark.parametrize("seed", range(8))
def test_alpha_matches_krippendorff_with_missing_values(seed):
    rng = random.Random(seed)
    coders = 2 + seed % 3
    truth = [rng.choice([0, 1, 2]) for _ in range(30)]
    data = [[None if rng.random() < 0.2 else (t if rng.random() < 0.7 else rng.choice([0, 1, 2]))
             for t in truth] for _ in range(coders)]
    expected = krippendorff.alpha(
        reliability_data=np.array([[np.nan if v is None else v for v in row] for row in data]),
        level_of_measurement="nominal")
    assert krippendorff_alpha(data) == pytest.approx(expected)


def test_undefined_figures_are_none():
    assert cohen_kappa([1, 1], [1, 1]) is None
    assert krippendorff_alpha([[1, 1], [1, 1]]) is None
    assert percent_agreement([[None], [1]]) is None


TEXT = "Alpha beta. Gamma delta. Epsilon."


def test_segment_units_and_disagreements():
    spans = [Span(1, "x", 10, 0, 11), Span(1, "x", 10, 12, 24),
             Span(1, "x", 20, 0, 11), Span(1, "y", 20, 25, 33)]
    result = report({1: TEXT}, spans, [10, 20])
    # units: [0,11) [12,24) [25,33) (the spaces between drop out)
    assert result.per_code["x"].units == 3
    assert result.per_code["x"].percent == pytest.approx(2 / 3)
    found = disagreements({1: TEXT}, spans, [10, 20])
    assert [(d.code, d.start, d.end, d.coded_by) for d in found] == [
        ("x", 12, 24, (10,)), ("y", 25, 33, (20,))]


def test_a_coder_who_did_not_code_a_document_is_missing_not_disagreeing():
    spans = [Span(1, "x", 10, 0, 5), Span(1, "x", 20, 0, 5), Span(2, "x", 10, 0, 5)]
    result = report({1: TEXT, 2: TEXT}, spans, [10, 20], "document")
    assert result.overall.units == 1
    assert result.overall.percent == 1.0


def test_co_occurrence_matrix_is_symmetric_and_counts_overlaps_per_document():
    from spstories.core.coding_units import Span, co_occurrence, co_occurrence_matrix

    spans = [
        Span(document=1, code="hope", start=0, end=10, coder="a"),
        Span(document=1, code="loss", start=5, end=20, coder="a"),
        Span(document=1, code="work", start=30, end=40, coder="b"),
        Span(document=2, code="hope", start=0, end=10, coder="a"),
        Span(document=2, code="work", start=50, end=60, coder="a"),  # same numbers, other doc
        Span(document=3, code="work", start=5, end=8, coder="a"),
        Span(document=3, code="hope", start=0, end=10, coder="b"),
    ]
    counts = co_occurrence(spans)
    assert counts == {("hope", "loss"): 1, ("hope", "work"): 1}
    codes, rows = co_occurrence_matrix(counts)
    assert codes == ["hope", "loss", "work"]
    assert rows == [[0, 1, 1], [1, 0, 0], [1, 0, 0]]
