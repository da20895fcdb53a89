"""Shared, session-scoped NLP fixtures: building a spaCy pipeline is not free."""

from __future__ import annotations

from pathlib import Path

import pytest

from spstories.core.codebook import Codebook, find_codebook, load_codebook
from spstories.core.tagging import RuleTagger, build_tagger

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


@pytest.fixture(scope="session")
def outcomes() -> Codebook:
    return load_codebook(find_codebook("sp-outcomes"))


@pytest.fixture(scope="session")
def practice() -> Codebook:
    return load_codebook(find_codebook("sp-data-practice"))


@pytest.fixture(scope="session")
def tagger(outcomes: Codebook) -> RuleTagger:
    built = build_tagger(outcomes)
    assert isinstance(built, RuleTagger)
    return built


@pytest.fixture(scope="session")
def practice_tagger(practice: Codebook) -> RuleTagger:
    built = build_tagger(practice)
    assert isinstance(built, RuleTagger)
    return built


@pytest.fixture(scope="session")
def dev_quotes() -> Path:
    path = SHARED / "data" / "dev-quotes.jsonl"
    if not path.is_file():
        pytest.fail(f"the shared development data is missing: {path}")
    return path
