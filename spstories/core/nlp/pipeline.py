"""Build the tagging pipeline for a codebook: tokenizer, matcher, polarity reader.

No download: the default base is ``spacy.blank("en")``. A packaged trained English
pipeline (e.g. ``en_core_web_sm``) may be named as ``base`` when it is installed; its
parser's sentences are then used. It is never required.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import spacy
from spacy.attrs import LOWER, NORM
from spacy.language import Language
from spacy.util import registry

from spstories.core.codebook import Codebook, load_codebook
from spstories.core.nlp import matcher as _matcher  # noqa: F401  (registers the factory)
from spstories.core.nlp import polarity as _polarity  # noqa: F401  (registers the factory)
from spstories.core.nlp.pattern_cache import cached_patterns
from spstories.core.nlp.patterns import compile_phrase
from spstories.errors import ModelUnavailable

MATCHER = "sp_codebook_matcher"
POLARITY = "sp_polarity"


def codebook_patterns(codebook: Codebook) -> list[dict[str, Any]]:
    """Every pattern of every code, compiled into the matcher's JSON-ready dicts (kept
    between runs by ``pattern_cache``)."""
    phrases = [
        (pattern.phrase, f"{code.id}#{i}", code.id, pattern.role, pattern.weight)
        for code in codebook.codes
        for i, pattern in enumerate(code.patterns)
    ]

    def compile_all() -> list[dict[str, Any]]:
        compiled = []
        for phrase, key, code, role, weight in phrases:
            compiled.extend(compile_phrase(phrase, key=key, code=code, role=role, weight=weight))
        return compiled

    return cached_patterns(phrases, compile_all)


@registry.misc("spstories.codebook_patterns.v1")
def codebook_patterns_from_file(path: str) -> list[dict[str, Any]]:
    """For ``[initialize.components.sp_codebook_matcher.patterns]`` in a spaCy config."""
    return codebook_patterns(load_codebook(path))


def lean_vocab(nlp: Language) -> Language:
    """Compute only the lexical attributes the tagger reads (the lower-case form).

    For every word it has not seen, spaCy's vocabulary works out a dozen attributes
    (stop word, shape, number-like, affixes...). The tagger's private pipeline matches on
    LOWER and never reads the others, so computing them is wasted work on every new word.
    """
    nlp.vocab.lex_attr_getters = {
        attr: getter for attr, getter in nlp.vocab.lex_attr_getters.items()
        if attr in (LOWER, NORM)
    }
    return nlp


def blank_or_base(base: str | None) -> Language:
    """``spacy.blank("en")`` with a lean vocabulary, or the installed package ``base``
    without its NER (a trained pipeline's own components need every attribute)."""
    if base is None:
        return lean_vocab(spacy.blank("en"))
    if importlib.util.find_spec(base) is None:
        raise ModelUnavailable(
            f"spaCy pipeline {base!r} is not installed; install its package or leave it out "
            "to use the blank English pipeline"
        )
    return spacy.load(base, exclude=["ner", "lemmatizer", "textcat"])


def build_nlp(codebook: Codebook, base: str | None = None) -> Language:
    """A ready pipeline whose docs carry ``doc._.sp_evidence``."""
    nlp = blank_or_base(base)
    matcher = nlp.add_pipe(MATCHER)
    matcher.add_patterns(codebook_patterns(codebook))
    nlp.add_pipe(POLARITY, config={"polar": codebook.polarity})
    return nlp
