"""Paired before/after statistics for outcome measures (pure; SciPy does the maths).

``paired_summary`` takes one baseline and one follow-up value per client (already paired,
see ``spstories.core.measures.pair_baseline_follow_up`` for the rule) and reports:

- n, mean baseline, mean follow-up, mean change (follow-up minus baseline, in the scale's
  own units, so a fall in a lower-is-better scale is negative here too);
- a 95% confidence interval of the mean change from the paired t distribution
  (``scipy.stats.t``: mean ± t(0.975, n-1) · sd / √n);
- the two-sided Wilcoxon signed-rank p value (``scipy.stats.wilcoxon``, zero differences
  dropped, SciPy's default exact/approximate choice);
- the effect size **Cohen's d_z**: mean change / standard deviation of the changes (ddof 1),
  the standardised effect for paired designs;
- shares of clients classified improved / no meaningful change / deteriorated (the caller
  classifies each pair with the instrument's threshold, so direction is respected).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CHANGE_CLASSES = ("improved", "no_change", "deteriorated")


@dataclass(frozen=True)
class PairedSummary:
    """Summary of paired baseline/follow-up values; statistics are None when not computable."""

    n: int
    mean_baseline: float | None
    mean_follow_up: float | None
    mean_change: float | None
    ci_low: float | None
    ci_high: float | None
    wilcoxon_p: float | None
    effect_size_dz: float | None
    improved: int
    no_change: int
    deteriorated: int

    def share(self, change_class: str) -> float | None:
        """Share (0-1) of clients in ``change_class``; None when there are no pairs."""
        if not self.n:
            return None
        return int(getattr(self, change_class)) / self.n


def paired_summary(
    baseline: Sequence[float],
    follow_up: Sequence[float],
    classes: Iterable[str] = (),
    confidence: float = 0.95,
) -> PairedSummary:
    """Summarise paired values; ``classes`` holds each pair's change class (optional)."""
    if len(baseline) != len(follow_up):
        raise ValueError("baseline and follow-up must have the same length")
    counts = Counter(classes)
    unknown = set(counts) - set(CHANGE_CLASSES)
    if unknown:
        raise ValueError(f"unknown change classes: {sorted(unknown)}")
    n = len(baseline)
    empty = dict.fromkeys(
        ("mean_baseline", "mean_follow_up", "mean_change", "ci_low", "ci_high",
         "wilcoxon_p", "effect_size_dz"),
    )
    tallies = {c: counts.get(c, 0) for c in CHANGE_CLASSES}
    if n == 0:
        return PairedSummary(n=0, **empty, **tallies)  # type: ignore[arg-type]
    before = np.asarray(baseline, dtype=float)
    after = np.asarray(follow_up, dtype=float)
    diff = after - before
    mean_change = float(diff.mean())
    ci_low = ci_high = dz = p = None
    if n >= 2:
        sd = float(diff.std(ddof=1))
        if sd > 0:
            half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
            ci_low, ci_high = mean_change - half, mean_change + half
            dz = mean_change / sd
        else:  # every client changed by the same amount: no spread, a degenerate interval
            ci_low = ci_high = mean_change
        if np.any(diff != 0):
            p = float(stats.wilcoxon(diff).pvalue)
    return PairedSummary(
        n=n,
        mean_baseline=float(before.mean()),
        mean_follow_up=float(after.mean()),
        mean_change=mean_change,
        ci_low=ci_low,
        ci_high=ci_high,
        wilcoxon_p=p,
        effect_size_dz=dz,
        **tallies,
    )
