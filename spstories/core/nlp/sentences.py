"""Sentence bounds found lazily, only for docs that carry a match.

Running the sentencizer over every token of every document costs about a quarter of the
tokenizer's throughput, and most documents have no match. Here sentence ends are found
from the doc's LOWER array (one C call) compared with the hashes of terminal
punctuation, plus a look at the rare whitespace tokens. It knows Markdown: a blank line
ends a sentence, and so does a line break before a line that does not begin in lower
case (a list item, a heading, a new paragraph; a hard-wrapped sentence continues in
lower case). When the pipeline did set sentence starts (a trained parser), those are
used instead.
"""

from __future__ import annotations

import re
from bisect import bisect_right

import numpy as np
from spacy.attrs import IS_SPACE, LOWER
from spacy.strings import StringStore
from spacy.tokens import Doc

TERMINALS = (".", "!", "?", "…", "...", "..", "!!", "!!!", "??", "?!", "!?", "....")
CLOSERS = ('"', "'", "”", "’", ")", "]", "*", "**", "_")
# Markdown block markers and entity debris at the start of a sentence, left out of evidence.
_LEAD = re.compile(r"(?:(?:[-*+>•]|#{1,6}|\d{1,3}[.)])[ \t]+|&nbsp;\s*|\s+)+")
_TRAIL = re.compile(r"(?:\s|&nbsp;)+$")
_IDS = StringStore()  # hashes are the same in every StringStore
TERMINAL_IDS = np.array([_IDS.add(t) for t in TERMINALS], dtype=np.uint64)
CLOSER_IDS = frozenset(_IDS.add(t) for t in CLOSERS)


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
        self.parsed = doc.has_annotation("SENT_START")
        if not self.parsed:
            self.starts = self._starts(doc.to_array([LOWER, IS_SPACE]))

    def _starts(self, array: np.ndarray) -> list[int]:
        doc, n = self.doc, len(self.doc)
        lower = array[:, 0]
        ends = []
        for i in np.flatnonzero(np.isin(lower, TERMINAL_IDS)).tolist():
            boundary = i + 1
            while boundary < n and int(lower[boundary]) in CLOSER_IDS:
                boundary += 1
            ends.append(boundary)
        for i in np.flatnonzero(array[:, 1]).tolist():
            text = doc[i].text
            if "\n" in text and (
                text.count("\n") > 1 or (i + 1 < n and not doc[i + 1].text[:1].islower())
            ):
                ends.append(i + 1)
        return [0, *sorted({b for b in ends if 0 < b < n})]

    def sentence_of(self, token_index: int) -> tuple[int, int]:
        """(first token, end token) of the sentence holding ``doc[token_index]``."""
        if self.parsed:
            sent = self.doc[token_index].sent
            return sent.start, sent.end
        i = bisect_right(self.starts, token_index) - 1
        end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.doc)
        return self.starts[i], end

    def chars(self, start: int, end: int) -> tuple[int, int]:
        """Character bounds of a token range."""
        last = self.doc[end - 1]
        return self.doc[start].idx, last.idx + len(last.text)
