"""A few hundred real feedback texts and stories from ``../shared/data`` (read, not copied)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

SILVER = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "train-silver.jsonl"


@cache
def load_real_texts(n: int = 320) -> tuple[tuple[str, str], ...]:
    """(id, text) of the first ``n`` Care Opinion texts of the shared silver set."""
    if not SILVER.is_file():
        pytest.fail(f"the shared data is missing: {SILVER}")
    with SILVER.open(encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(n), f, strict=False)]
    return tuple((r["id"], r["text"]) for r in rows)


def real_text_rows(n: int = 320) -> list[dict[str, str]]:
    return [{"id": i, "text": t} for i, t in load_real_texts(n)]
