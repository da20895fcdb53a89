"""Sentence bounds found lazily, only for docs that carry a match.

Running the sentencizer over every token of every document costs about a quarter of the
tokenizer's throughput, and most documents have no match. Here sentence ends are found
from positions of terminal punctuation (the polarity reader finds them with its word
classes, in the same pass as its other words) and a look at the rare whitespace
tokens. It knows Markdown: a blank line ends a sentence, and so does a line break before
a line that does not begin in lower case (a list item, a heading, a new paragraph; a
hard-wrapped sentence continues in lower case). When the pipeline did set sentence
starts (a trained parser), those are used instead.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection

from spacy.tokens import Doc

TERMINALS = (".", "!", "?", "…", "...", "..", "!!", "!!!", "??", "?!", "!?", "....")
CLOSERS = ('"', "'", "”", "’", ")", "]", "*", "**", "_")
# Whitespace tokens that hold a line break, as spaCy's tokenizer makes them (any other
# whitespace than one space after a word becomes a token of its own).
NEWLINES = tuple(
    f"{a}{b}{c}"
    for a in ("", " ", "  ", "\t")
    for b in ("\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\n \n", "\n  \n")
    for c in ("", " ", "  ", "   ", "    ", "\t")
)
# Markdown block markers and entity debris at the start of a sentence, left out of evidence.
_LEAD = re.compile(r"(?:(?:[-*+>•]|#{1,6}|\d{1,3}[.)])[ \t]+|&nbsp;\s*|\s+)+")
_TRAIL = re.compile(r"(?:\s|&nbsp;)+$")


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past leading list markers and surrounding space."""
    if start < end and text[start].isalnum() and not text[end - 1].isspace():
        return start, end  # the common case, without a regular expression
    lead = _LEAD.match(text, start, end)
    if lead:
        start = lead.end()
    trail = _TRAIL.search(text, start, end)
    if trail:
        end = trail.start()
    return start, max(start, end)


def sentence_starts(
    doc: Doc, terminals: list[int], closers: Collection[int], spaces: Collection[int]
) -> list[int]:
    """Token offsets where sentences start, from the positions of terminal punctuation,
    closing quotes/brackets and whitespace tokens (each sorted)."""
    n = len(doc)
    if closers:
        closers = set(closers)
        ends = []
        for i in terminals:
            boundary = i + 1
            while boundary in closers:
                boundary += 1
            ends.append(boundary)
    else:
        ends = [i + 1 for i in terminals]
    if not spaces:
        # Ends from sorted terminals rise strictly (a terminal is never a closer, so it
        # lies past the previous end), and only the last can reach ``n``: no sort needed.
        if ends and ends[-1] >= n:
            ends.pop()
        return [0, *ends]
    for i in spaces:
        text = doc[i].text
        if "\n" in text and (
            text.count("\n") > 1 or (i + 1 < n and not doc[i + 1].text[:1].islower())
        ):
            ends.append(i + 1)
    return [0, *sorted({b for b in ends if 0 < b < n})]


class SentenceIndex:
    """Maps token offsets of one doc to the token range of their sentence."""

    def __init__(self, doc: Doc, starts: list[int], parsed: bool | None = None) -> None:
        """``parsed``: whether the doc's own sentence starts are set, when the caller
        knows (the check walks the doc)."""
        self.doc = doc
        self.parsed = doc.has_annotation("SENT_START") if parsed is None else parsed
        self.starts = starts

    def sentence_of(self, token_index: int) -> tuple[int, int]:
        """(first token, end token) of the sentence holding ``doc[token_index]``."""
        if self.parsed:
            sent = self.doc[token_index].sent
            return sent.start, sent.end
        i = bisect_right(self.starts, token_index) - 1
        end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.doc)
        return self.starts[i], end
