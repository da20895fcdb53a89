"""Inter-coder agreement: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal).

Reliability data are a coders × units table (the layout of the ``krippendorff`` package):
``data[coder][unit]`` is the value that coder gave the unit, or ``None`` when the coder did
not code it (missing). Values are any hashable category; for "is code X on this unit" they
are 1 and 0. Checked in the tests against scikit-learn and the ``krippendorff`` package.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

Table = Sequence[Sequence[Hashable | None]]


@dataclass(frozen=True)
class Agreement:
    """Agreement figures over ``units`` units; a figure is None when it is undefined."""

    units: int
    percent: float | None
    kappa: float | None
    alpha: float | None


def _pairs(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> list[tuple]:
    if len(a) != len(b):
        raise ValueError("both coders must rate the same units")
    return [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]


def percent_agreement(data: Table) -> float | None:
    """Share of agreeing pairs of coders over units both coded (mean over coder pairs)."""
    agree = total = 0
    for a, b in itertools.combinations(data, 2):
        pairs = _pairs(a, b)
        agree += sum(x == y for x, y in pairs)
        total += len(pairs)
    return agree / total if total else None


def cohen_kappa(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> float | None:
    """Cohen's kappa of two coders over the units both coded; None when chance agreement is 1."""
    pairs = _pairs(a, b)
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(x == y for x, y in pairs) / n
    first, second = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(data: Table) -> float | None:
    """Krippendorff's alpha for nominal data, any number of coders, missing values allowed.

    Built from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's alpha-
    reliability"); units with fewer than two values are not pairable and drop out.
    """
    if not data:
        return None
    width = len(data[0])
    if any(len(row) != width for row in data):
        raise ValueError("every coder must have a value (or None) for every unit")
    coincidences: Counter[tuple[Hashable, Hashable]] = Counter()
    for unit in range(width):
        values = [row[unit] for row in data if row[unit] is not None]
        m = len(values)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            coincidences[values[i], values[j]] += 1 / (m - 1)
    totals: Counter[Hashable] = Counter()
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c, k in itertools.permutations(totals, 2))
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def agreement(data: Table) -> Agreement:
    """All three figures; kappa only for exactly two coders."""
    units = sum(
        1 for unit in range(len(data[0]) if data else 0)
        if sum(row[unit] is not None for row in data) >= 2
    )
    return Agreement(
        units=units,
        percent=percent_agreement(data),
        kappa=cohen_kappa(data[0], data[1]) if len(data) == 2 else None,
        alpha=krippendorff_alpha(data),
    )
