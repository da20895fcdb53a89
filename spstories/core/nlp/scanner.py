"""One PhraseMatcher pass for the codebook's patterns and the polarity reader's cues.

The two components each run their own PhraseMatcher, so that either works on its own in
a spaCy pipeline. Tagging with the blank pipeline needs nothing else from spaCy, so
``RuleTagger`` runs this instead: one pass over the doc finds both kinds of phrases (the
match id tells them apart) and the evidence goes straight to the tags, without the
``doc._`` extensions in between. A PhraseMatcher call costs a fixed amount per doc plus
an amount per hit, so one call instead of two saves the fixed part.

It gives the same evidence as the components: a hit of one key comes at the same place
in the hit list whatever other keys the matcher holds, except where keys share a phrase
(the matcher lists those in its hash table's order, which more keys can reshuffle). The
order of codebook keys that share a phrase decides which of two equal matches is kept,
so the scanner checks every shared phrase when it is built and keeps the two passes if
any order differs.
"""

from __future__ import annotations

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from spstories.core.nlp.extensions import Evidence
from spstories.core.nlp.matcher import CodebookMatcher
from spstories.core.nlp.polarity import PolarityReader


class Scanner:
    """Evidence of a doc from ``matcher`` and ``reader``, as the two components would
    write it to ``doc._.sp_evidence``."""

    def __init__(self, matcher: CodebookMatcher, reader: PolarityReader) -> None:
        self.matcher = matcher
        self.reader = reader
        self.revisions = (matcher.revision, reader.revision)
        vocab = matcher.nlp.vocab
        strings = vocab.strings
        combined = PhraseMatcher(vocab, attr="LOWER")
        # Codebook keys first: a key added later never moves an earlier one in a shared
        # phrase's table unless the table grows, which ``_same_order`` would catch.
        for key, docs in matcher.anchors:
            combined.add(key, docs)
        for key, docs in reader.phrases:
            combined.add(key, docs)
        self._codebook_keys = frozenset(strings[key] for key, _ in matcher.anchors)
        self._matcher: PhraseMatcher | None = (
            combined if self._same_order(combined, matcher, reader) else None
        )

    @staticmethod
    def _same_order(
        combined: PhraseMatcher, matcher: CodebookMatcher, reader: PolarityReader
    ) -> bool:
        """True when, on every phrase both kinds share, the combined matcher lists the
        keys of each kind in the order their own matchers do."""
        vocab = matcher.nlp.vocab
        cue_phrases = {tuple(t.lower for t in doc) for _, docs in reader.phrases for doc in docs}
        seen = set()
        for _, docs in matcher.anchors:
            for doc in docs:
                phrase = tuple(t.lower for t in doc)
                if phrase not in cue_phrases or phrase in seen:
                    continue
                seen.add(phrase)
                probe = Doc(vocab, words=[t.text for t in doc])
                both = combined(probe)
                own = matcher._matcher(probe)
                if [h for h in both if h in own] != own:
                    return False
                cues = reader._matcher(probe)
                if [h for h in both if h in cues] != cues:
                    return False
        return True

    def current(self) -> bool:
        """False once either component's patterns changed since this was built."""
        return self.revisions == (self.matcher.revision, self.reader.revision)

    def evidence(self, doc: Doc) -> list[Evidence]:
        if self._matcher is None:  # keys would come out in another order: two passes
            matches = self.matcher.find(doc, self.matcher._matcher(doc))
            return self.reader.evidence(doc, matches, self.reader._matcher) if matches else []
        hits = self._matcher(doc)
        keys = self._codebook_keys
        matches = self.matcher.find(doc, [hit for hit in hits if hit[0] in keys])
        # The reader passes over the codebook's keys in ``hits``.
        return self.reader.evidence(doc, matches, hits) if matches else []
