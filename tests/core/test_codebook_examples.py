"""Every example in a shipped codebook is a test: the tagger must do what it declares.

Multi-label codebooks: a positive example needs a tag of its code with its polarity; a
negative one must not get its code. Single-label codebooks: a positive example must rank
its subtheme first, scored by a ranker that has not seen that example (leave one out).
"""

from __future__ import annotations

import dataclasses

import pytest

from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.ranking import Ranker

OUTCOMES = load_codebook(find_codebook("sp-outcomes"))
PRACTICE = load_codebook(find_codebook("sp-data-practice"))


def _cases(codebook):
    return [
        pytest.param(code, i, example, id=f"{code.id}-{i}-{example.expect}")
        for code in codebook.codes
        for i, example in enumerate(code.examples)
    ]


@pytest.mark.parametrize(("code", "index", "example"), _cases(OUTCOMES))
def test_outcomes_example(tagger, code, index, example):
    tags = tagger.tag(example.text)
    hits = [
        t
        for t in tags
        if OUTCOMES.within(t.code, code.id)
        and (example.polarity is None or t.polarity == example.polarity)
    ]
    found = sorted((t.code, str(t.polarity)) for t in tags)
    if example.expect == "positive":
        assert hits, f"expected {code.id} {example.polarity}; got {found}"
    else:
        assert not hits, f"expected no {code.id}; got {found}"


@pytest.mark.parametrize(("code", "index", "example"), _cases(PRACTICE))
def test_data_practice_example(practice_tagger, code, index, example):
    kept = code.examples[:index] + code.examples[index + 1 :]
    without = dataclasses.replace(
        PRACTICE,
        digest="",
        codes=tuple(
            dataclasses.replace(c, examples=kept) if c.id == code.id else c for c in PRACTICE.codes
        ),
    )
    ranking = Ranker(without, practice_tagger).rank(example.text)
    top = ranking[0][0]
    if example.expect == "positive":
        assert top == code.id, ranking[:3]
    else:
        assert top != code.id, ranking[:3]


def test_every_example_is_collected():
    examples = sum(len(c.examples) for c in OUTCOMES.codes + PRACTICE.codes)
    assert len(_cases(OUTCOMES)) + len(_cases(PRACTICE)) == examples >= 130
