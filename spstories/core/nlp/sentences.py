"""Sentence bounds found lazily, only for docs that carry a match.

Running the sentencizer over every token of every document costs about a quarter of the
tokenizer's throughput, and most documents have no match. Here a regular expression over
the raw text finds the sentence around a match. It also knows Markdown: a list item, a
heading or a block quote ends at its line break, as does any line followed by a line that
does not begin in lower case (a hard-wrapped sentence continues in lower case).
When the pipeline did set sentence starts (a trained parser), those are used instead.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from spacy.tokens import Doc

_BOUNDARY = re.compile(
    r"""[.!?…]+["'”’)\]*_]*\s+       # terminal punctuation, closing marks, then space
      | [ \t]*\n[ \t]*\n\s*           # a blank line
      | [ \t]*\n\s*(?=[^a-z\s])       # a line break not followed by a lower-case word
    """,
    re.VERBOSE,
)
# Markdown block markers and entity debris at the start of a sentence, left out of evidence.
_LEAD = re.compile(r"(?:(?:[-*+>]|#{1,6}|\d{1,3}[.)])[ \t]+|&nbsp;\s*|\s+)+")
_TRAIL = re.compile(r"(?:\s|&nbsp;)+$")


def sentence_starts(text: str) -> list[int]:
    """Character offsets where sentences start (the first is 0)."""
    return [0, *(m.end() for m in _BOUNDARY.finditer(text) if m.end() < len(text))]


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past leading list markers and surrounding space."""
    lead = _LEAD.match(text, start, end)
    if lead:
        start = lead.end()
    trail = _TRAIL.search(text, start, end)
    if trail:
        end = trail.start()
    return start, max(start, end)


class SentenceIndex:
    """Maps token offsets of one doc to the token range of their sentence."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        # Doc.text joins every token in Python: read it once.
        self.text = doc.text
        self.parsed = doc.has_annotation("SENT_START")
        if not self.parsed:
            # Token start characters via one C call; Doc.char_span walks every token.
            self.token_starts = doc.to_array("IDX")
            self.starts = sentence_starts(self.text)

    def sentence_of(self, token_index: int) -> tuple[int, int]:
        """(first token, end token) of the sentence holding ``doc[token_index]``."""
        if self.parsed:
            sent = self.doc[token_index].sent
            return sent.start, sent.end
        idx = self.token_starts
        i = bisect_right(self.starts, int(idx[token_index])) - 1
        first = int(idx.searchsorted(self.starts[i], side="left"))
        if i + 1 < len(self.starts):
            end = int(idx.searchsorted(self.starts[i + 1], side="left"))
        else:
            end = len(self.doc)
        return min(first, token_index), max(end, token_index + 1)

    def chars(self, start: int, end: int) -> tuple[int, int]:
        """Character bounds of a token range, trimmed for use as evidence."""
        last = self.doc[end - 1]
        return trim(self.text, self.doc[start].idx, last.idx + len(last.text))
