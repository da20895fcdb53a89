"""The load benchmark's counting: what it calls lost, duplicated and saved after a failure."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "load_benchmark", Path(__file__).resolve().parents[1] / "benchmarks" / "load.py"
)
load = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = load  # dataclasses look their module up there
spec.loader.exec_module(load)


def test_markers_are_counted_per_run_and_whole():
    texts = ["Feeling better. LDM-abc-1-1", "LDM-abc-1-1 again", "LDM-abc-1-12", None,
             "another run: LDM-xyz-1-1", "not a marker: LDM-abc-1-1x"]
    assert load.markers_in(texts, "abc") == Counter({"LDM-abc-1-1": 2, "LDM-abc-1-12": 1})


def test_reconcile_finds_lost_duplicated_and_saved_after_failure():
    stored = Counter({"a": 1, "b": 2, "f": 1, "x": 1})
    result = load.reconcile(accepted=["a", "b", "c"], failed=["f", "g"], stored=stored)
    assert result.accepted == 3
    assert result.lost == ["c"]
    assert result.duplicated == ["b"]
    assert result.saved_after_failure == ["f"]
    assert result.unknown == ["x"]


def test_percentiles():
    values = [float(n) for n in range(1, 101)]
    assert load.percentile(values, 0.5) == 51.0
    assert load.percentile(values, 0.95) == 95.0
    assert load.percentile([], 0.5) != load.percentile([], 0.5)  # NaN: nothing measured
