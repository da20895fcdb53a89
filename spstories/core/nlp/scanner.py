"""One PhraseMatcher pass for the codebook's patterns and the polarity reader's cues.

The two components each run their own PhraseMatcher, so that either works on its own in
a spaCy pipeline. Tagging with the blank pipeline needs nothing else from spaCy, so
``RuleTagger`` runs this instead: one pass over the doc finds both kinds of phrases (the
match id tells them apart) and the evidence goes straight to the tags, without the
``doc._`` extensions in between. A PhraseMatcher call costs a fixed amount per doc plus
an amount per hit, so one call instead of two saves the fixed part, and one key per
group of codebook phrases (``CodebookMatcher.phrase_groups``) instead of one per pattern
saves hits.

It gives the same evidence as the components: the matcher lists hits by position, and
at one position in its hash table's order of the keys there. With at most one key of
each kind per phrase, that order cannot mix up the hits of one kind; the order of the
codebook's patterns on a phrase is kept in the phrase's entries.
"""

from __future__ import annotations

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from spstories.core.nlp.extensions import Evidence, Match
from spstories.core.nlp.matcher import CodebookMatcher, Entry
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
        # One key per group of codebook phrases: a phrase then holds at most one key of
        # each kind, so the hits of each kind come in the order their own matchers give them.
        self._entries: dict[int, tuple[Entry, ...]] = {}
        for key, phrases, entries in matcher.phrase_groups():
            combined.add(key, phrases)
            self._entries[strings[key]] = entries
        for key, phrases in reader.phrases:
            combined.add(key, phrases)
        # The reader hands back the hits of keys it does not know: the codebook's.
        cue_keys = {strings[key] for key, _ in reader.phrases}
        self._matcher = combined if cue_keys.isdisjoint(self._entries) else None

    def current(self) -> bool:
        """False once either component's patterns changed since this was built."""
        return self.revisions == (self.matcher.revision, self.reader.revision)

    def evidence(self, doc: Doc) -> list[Evidence]:
        """The evidence of a doc straight from the tokenizer. Such a doc has no sentence
        starts of its own (only a one-token doc counts as having them, and its one
        sentence is the same either way), so the reader need not check."""
        return self.scan(doc)[1]

    def scan(self, doc: Doc) -> tuple[list[Match], list[Evidence]]:
        """The codebook's matches in a doc and the evidence the reader found in them."""
        if self._matcher is None:  # keys clash: two passes
            matches = self.matcher.find(doc, self.matcher._matcher(doc))
            if not matches:
                return [], []
            evidence = self.reader.evidence(doc, matches, self.reader._matcher, parsed=False)
            return matches, evidence
        codebook_hits: list[tuple[int, int, int]] = []
        cues = self.reader.read_hits(doc, self._matcher(doc), codebook_hits)
        matches = self.matcher.find(doc, codebook_hits, self._entries)
        if not matches:
            return [], []
        return matches, self.reader.evidence(doc, matches, cues, parsed=False)
