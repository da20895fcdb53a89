"""Paired statistics against hand-computed and independently computed values."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from spstories.core.statistics import paired_summary
from spstories.core.suppression import show_count, show_group, show_share, suppress_group


def test_hand_computed_paired_summary():
    # differences 2, 1, 3, 1, 3: mean 2, sd 1, se 1/sqrt(5); t(0.975, 4) = 2.776445
    s = paired_summary([10, 12, 14, 16, 18], [12, 13, 17, 17, 21],
                       ["improved", "no_change", "improved", "no_change", "improved"])
    assert s.n == 5
    assert s.mean_baseline == 14 and s.mean_follow_up == 16 and s.mean_change == 2
    half = 2.776445 / math.sqrt(5)
    assert s.ci_low == pytest.approx(2 - half, abs=1e-5)
    assert s.ci_high == pytest.approx(2 + half, abs=1e-5)
    assert s.effect_size_dz == pytest.approx(2.0)
    # all five differences positive: exact two-sided p = 2 / 2**5
    assert s.wilcoxon_p == pytest.approx(0.0625)
    assert (s.improved, s.no_change, s.deteriorated) == (3, 2, 0)
    assert s.share("improved") == pytest.approx(0.6)


def test_interval_matches_scipy_ttest_rel():
    before = [20.0, 18.5, 22.1, 25.0, 17.3, 19.9, 21.4, 16.0]
    after = [22.0, 18.0, 25.1, 24.0, 20.3, 23.9, 21.4, 19.5]
    s = paired_summary(before, after)
    ci = stats.ttest_rel(after, before).confidence_interval(0.95)
    assert (s.ci_low, s.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_wilcoxon_drops_zero_differences_and_handles_ties():
    # differences 1, 2, 3, -1, 4, 5 plus a zero: W- = 1.5 (tied rank), exact p = 0.09375
    s = paired_summary([5, 5, 5, 5, 5, 5, 5], [6, 7, 8, 4, 9, 10, 5])
    assert s.wilcoxon_p == pytest.approx(0.09375)


def test_degenerate_inputs():
    empty = paired_summary([], [])
    assert empty.n == 0 and empty.mean_change is None and empty.share("improved") is None
    one = paired_summary([3], [5])
    assert one.mean_change == 2 and one.ci_low is None and one.wilcoxon_p is None
    same = paired_summary([3, 4, 5], [4, 5, 6])  # every client +1: no spread, no test
    assert same.ci_low == same.ci_high == 1 and same.effect_size_dz is None
    flat = paired_summary([3, 4], [3, 4])
    assert flat.wilcoxon_p is None
    with pytest.raises(ValueError):
        paired_summary([1, 2], [1])
    with pytest.raises(ValueError):
        paired_summary([1], [2], ["better"])


def test_small_numbers_are_suppressed_but_zero_is_shown():
    assert [show_count(n) for n in (0, 1, 4, 5, None)] == ["0", "<5", "<5", "5", ""]
    assert show_count(9, threshold=10) == "<10"
    assert show_share(3, 40) == "–" and show_share(10, 40) == "25%" and show_share(0, 0) == "–"


def test_secondary_suppression_hides_the_next_smallest_cell():
    # one small cell could be recovered from the total; the next smallest goes too
    assert suppress_group([30, 3, 12, 0, 7]) == [False, True, False, False, True]
    assert show_group([30, 3, 12, 0, 7]) == ["30", "<5", "12", "0", "*"]
    # two small cells already protect each other; zero never needs hiding
    assert suppress_group([30, 3, 2, 0]) == [False, True, True, False]
    assert suppress_group([30, 12, 0]) == [False, False, False]
