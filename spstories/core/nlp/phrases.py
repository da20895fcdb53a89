"""Pattern phrasings as sequences of LOWER ids, without running the tokenizer on each.

A codebook compiles into tens of thousands of inflected phrasings. Tokenizing each one to
build PhraseMatcher pattern docs cost more than a second at every start; but a phrasing of
plain alphabetic words that the tokenizer has no special case for tokenizes into exactly
those words, so only the few others (hyphens, apostrophes, "cannot") need the tokenizer.
The PhraseMatcher takes the id sequences directly, so no pattern Doc is built at all.
"""

from __future__ import annotations

from spacy.language import Language

Phrase = tuple[int, ...]


class PhraseIds:
    """``ids(text)``: the LOWER ids of the tokens the tokenizer would make of ``text``
    (their strings are added to the vocabulary, so docs can be rebuilt from them)."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self._add = nlp.vocab.strings.add
        self._special = frozenset(nlp.tokenizer.rules or ())
        self._chunks: dict[str, Phrase] = {}

    def ids(self, text: str) -> Phrase:
        # The tokenizer splits on white space first and treats each chunk on its own, so
        # each chunk's ids are worked out once: a plain word without a special case is its
        # own token; the rest ("don't", "one-to-one") go through the tokenizer.
        chunks = self._chunks
        found: list[int] = []
        for chunk in text.split():
            ids = chunks.get(chunk)
            if ids is None:
                if chunk.isalpha() and chunk not in self._special:
                    ids = (self._add(chunk.lower()),)
                else:
                    ids = tuple([self._add(t.lower_) for t in self.nlp.make_doc(chunk)])
                chunks[chunk] = ids
            found.extend(ids)
        return tuple(found)
