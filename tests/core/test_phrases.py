"""Pattern phrasings turned into LOWER ids without the tokenizer give the tokenizer's ids."""

from __future__ import annotations

import pytest
import spacy

from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.nlp.cues import DEFAULT_CUES
from spstories.core.nlp.patterns import expand_segment, parse_phrase
from spstories.core.nlp.phrases import PhraseIds
from spstories.core.nlp.pipeline import codebook_patterns


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def _phrasings():
    for codebook_id in ("sp-outcomes", "sp-data-practice"):
        for pattern in codebook_patterns(load_codebook(find_codebook(codebook_id))):
            for variants in pattern["segments"]:
                yield from variants
    for phrases in DEFAULT_CUES.values():
        for phrase in phrases:
            for segment in parse_phrase(phrase):
                for text, _ in expand_segment(segment):
                    yield text


def test_every_shipped_phrasing_gets_the_tokenizers_ids(nlp):
    ids = PhraseIds(nlp)
    phrasings = sorted(set(_phrasings()))
    assert len(phrasings) > 10000
    tokenized = [tuple(t.lower for t in doc) for doc in nlp.tokenizer.pipe(phrasings)]
    assert [ids.ids(text) for text in phrasings] == tokenized


@pytest.mark.parametrize(
    "text", ["made new friends", "self-esteem", "don't", "cannot", "Café Culture"]
)
def test_plain_words_and_tokenizer_cases_give_the_tokenizers_ids(nlp, text):
    # "cannot" is a tokenizer special case ("can" + "not"), as are the contractions.
    assert PhraseIds(nlp).ids(text) == tuple(t.lower for t in nlp.make_doc(text))
