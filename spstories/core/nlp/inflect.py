"""English word forms from spaCy's lookup tables, computed once at pattern-build time.

Matching on LEMMA would need the lemmatizer to run over every token of every document,
which costs more than half of the tokenizer's throughput. Instead each pattern word is
expanded here into its inflected forms ("lose" -> lose, loses, losing, lost) and the
matcher compares LOWER only. The tables come from ``spacy-lookups-data``; nothing is
downloaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import srsly

_POS = ("noun", "verb", "adj")
# Synthetic comparatives ("calmer") only exist for short adjectives; longer ones take
# "more". The cap stops rule output like "confidenter" bloating the pattern set.
_MAX_SYNTHETIC_ADJ = 6


def _table(name: str) -> Any:
    import spacy_lookups_data

    path = Path(str(spacy_lookups_data.get_file(f"en_{name}.json.gz")))
    return srsly.read_gzip_json(path)


@cache
def _tables() -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]], Any]:
    """(reverse lookup, reverse exceptions by lemma, lemma index by POS, suffix rules)."""
    lookup: dict[str, str] = _table("lemma_lookup")
    reverse: dict[str, set[str]] = {}
    for form, lemma in lookup.items():
        reverse.setdefault(lemma, set()).add(form)
    exc_by_lemma: dict[str, set[str]] = {}
    for pos, table in _table("lemma_exc").items():
        if pos not in _POS:
            continue
        for form, lemmas in table.items():
            for lemma in lemmas:
                exc_by_lemma.setdefault(f"{pos}:{lemma}", set()).add(form)
    index = {pos: set(words) for pos, words in _table("lemma_index").items() if pos in _POS}
    rules = {pos: rules for pos, rules in _table("lemma_rules").items() if pos in _POS}
    return reverse, exc_by_lemma, index, rules


@cache
def word_forms(word: str) -> frozenset[str]:
    """All inflected forms of ``word`` taken as a lemma, lower-cased, ``word`` included.

    The word is not lemmatised first: a pattern author who writes "housing" means
    housing, not every form of "house".
    """
    word = word.lower()
    forms = {word}
    if not word.isalpha():
        return frozenset(forms)
    reverse, exc, index, rules = _tables()
    forms |= reverse.get(word, set())
    for pos in _POS:
        if word not in index[pos]:
            continue
        forms |= exc.get(f"{pos}:{word}", set())
        if pos == "adj" and len(word) > _MAX_SYNTHETIC_ADJ:
            continue
        for old, new in rules[pos]:
            if word.endswith(new) and len(word) > len(new):
                forms.add(word[: len(word) - len(new)] + old)
    return frozenset(forms)


@cache
def comparative_forms(word: str) -> frozenset[str]:
    """The forms of an adjective that say "more of it" ("lonelier", "calmer", "better")."""
    word = word.lower()
    _, exc, index, _ = _tables()
    if word not in index["adj"]:
        return frozenset()
    # Irregular comparatives ("worse", "better") are the exceptions that are not superlatives.
    irregular = {form for form in exc.get(f"adj:{word}", set()) if not form.endswith("st")}
    regular = {form for form in word_forms(word) if form != word and form.endswith("er")}
    return frozenset(irregular | regular)


@cache
def _lookup() -> dict[str, str]:
    return dict(_table("lemma_lookup"))


def lemma(word: str) -> str:
    """The lookup-table lemma of a lower-cased word (the word itself when unknown)."""
    return _lookup().get(word, word)
