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

    def simple(self, text: str) -> bool:
        """True when splitting on white space gives the tokenizer's own tokens."""
        special = self._special
        return all(word.isalpha() and word not in special for word in text.split())

    def ids(self, text: str) -> Phrase:
        add = self._add
        if self.simple(text):
            return tuple([add(word.lower()) for word in text.split()])
        # The tokenizer splits on white space first and treats each chunk on its own, so
        # a chunk's tokens are worked out once ("don't" recurs in hundreds of phrasings).
        found: list[int] = []
        for chunk in text.split():
            ids = self._chunks.get(chunk)
            if ids is None:
                ids = self._chunks[chunk] = tuple(
                    [add(token.lower_) for token in self.nlp.make_doc(chunk)]
                )
            found.extend(ids)
        return tuple(found)
