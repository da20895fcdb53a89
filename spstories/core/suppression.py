"""Small-number suppression for published counts (pure).

Rule: a count of 1 to ``threshold - 1`` people is shown as
``<threshold`` (e.g. ``<5``), because small groups can identify people. Zero is shown: it says
nobody, and hiding it would hide gaps in a service. Statistics about fewer than ``threshold``
clients (means, intervals, shares) are withheld too.

Secondary suppression (``suppress_group``): when counts are shown with their total, a single
hidden cell could be recovered by subtraction, so when exactly one non-zero cell of a group is
hidden, the next-smallest non-zero cell is hidden as well.
"""

from __future__ import annotations

from collections.abc import Sequence

DEFAULT_THRESHOLD = 5


def is_small(count: int | None, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True when ``count`` is 1 to threshold - 1 and must not be shown."""
    return count is not None and 0 < count < threshold


def show_count(count: int | None, threshold: int = DEFAULT_THRESHOLD) -> str:
    """The count as text, or ``<threshold`` when it is small; empty for None."""
    if count is None:
        return ""
    return f"<{threshold}" if is_small(count, threshold) else str(count)


def suppress_group(counts: Sequence[int], threshold: int = DEFAULT_THRESHOLD) -> list[bool]:
    """Which cells of a group (whose total is shown) to hide: primary plus secondary."""
    hidden = [is_small(c, threshold) for c in counts]
    if sum(hidden) == 1:
        candidates = [(c, i) for i, c in enumerate(counts) if c > 0 and not hidden[i]]
        if candidates:
            hidden[min(candidates)[1]] = True
    return hidden


def show_group(counts: Sequence[int], threshold: int = DEFAULT_THRESHOLD) -> list[str]:
    """A group of counts as text, with primary and secondary suppression applied."""
    return [
        f"<{threshold}" if is_small(c, threshold) else ("*" if hide else str(c))
        for c, hide in zip(counts, suppress_group(counts, threshold), strict=True)
    ]


def show_share(part: int, whole: int, threshold: int = DEFAULT_THRESHOLD) -> str:
    """``part`` as a percentage of ``whole``; withheld when either is small."""
    if whole == 0:
        return "–"
    if is_small(part, threshold) or is_small(whole, threshold):
        return "–"
    return f"{100 * part / whole:.0f}%"
