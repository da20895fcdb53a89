"""Topic-run benchmark: 10,000 generated sentences with planted themes, default backend.

Run: .venv/bin/python benchmarks/topics.py   (the last line is the fit time)
"""

from __future__ import annotations

import time

from spstories.core.topics.corpus import build_units
from spstories.core.topics.model import TopicParams, fit_topics
from spstories.core.topics.planted import planted_corpus, recovered


def main(n: int = 10_000) -> None:
    sources, truth = planted_corpus(n, seed=1)
    started = time.perf_counter()
    units = build_units(sources)
    split = time.perf_counter() - started
    fitted = fit_topics([u.text for u in units], TopicParams(min_topic_size=50, seed=1))
    found = recovered(truth, fitted.assignments)
    print(f"units: {len(units)} (split in {split:.1f} s)")
    print(f"topics: {len(set(fitted.assignments) - {-1})}, "
          f"outliers: {fitted.assignments.count(-1)}")
    print(f"planted themes recovered: {sum(v is not None for v in found.values())}/{len(found)}")
    print(f"fit time: {fitted.seconds:.1f} s for {len(units)} sentences")


if __name__ == "__main__":
    main()
