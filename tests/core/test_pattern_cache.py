"""Compiled patterns kept as JSON between runs: the same patterns, and never a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.nlp import pipeline
from spstories.core.nlp.pipeline import codebook_patterns
from spstories.core.tagging import RuleTagger

TEXT = "Since joining the walking group I feel much less lonely and more confident."


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPSTORIES_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again instead of reading the cache")

    monkeypatch.setattr(pipeline, "compile_phrase", refuse)


def test_a_second_build_reads_what_the_first_compiled(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    codebook = load_codebook(find_codebook("sp-outcomes"))
    first = codebook_patterns(codebook)
    assert len(list(cache.glob("patterns-*.json"))) == 1
    fresh = RuleTagger.from_codebook(codebook).tag(TEXT)
    _no_compiling(monkeypatch)
    assert codebook_patterns(codebook) == first
    assert RuleTagger.from_codebook(codebook).tag(TEXT) == fresh


def test_other_phrases_are_compiled_not_read(cache: Path) -> None:
    outcomes = codebook_patterns(load_codebook(find_codebook("sp-outcomes")))
    practice = codebook_patterns(load_codebook(find_codebook("sp-data-practice")))
    assert outcomes != practice
    assert len(list(cache.glob("patterns-*.json"))) == 2


@pytest.mark.parametrize("damage", ["", "{not json", '{"key": "another", "patterns": []}',
                                    '{"key": null, "patterns": [{"id": 1}]}'])
def test_a_damaged_file_is_compiled_again_and_replaced(cache: Path, damage: str) -> None:
    codebook = load_codebook(find_codebook("sp-data-practice"))
    expected = codebook_patterns(codebook)
    (path,) = cache.glob("patterns-*.json")
    path.write_text(damage, encoding="utf-8")
    assert codebook_patterns(codebook) == expected
    assert path.read_text(encoding="utf-8") != damage


def test_a_cache_that_cannot_be_written_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("SPSTORIES_CACHE_DIR", str(blocker / "cache"))
    codebook = load_codebook(find_codebook("sp-outcomes"))
    assert RuleTagger.from_codebook(codebook).tag(TEXT)
    assert list(tmp_path.iterdir()) == [blocker]
