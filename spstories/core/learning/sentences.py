"""Sentence spans for the learned tagger: a fast regular-expression splitter.

The rule tagger finds sentence bounds lazily, only around matches; the model must score
every sentence, so it splits on its own, the same way at training and tagging time.
"""

from __future__ import annotations

import re

from spstories.core.nlp.sentences import trim

# A sentence ends at terminal punctuation (plus closing quotes) before white space, at a
# blank line, or at a line break before a list item or a capital (Markdown paragraphs).
_END = re.compile(
    r"[.!?…]+[\"'”’)\]*]*(?=\s)|\n[ \t]*\n|\n(?=[ \t]*(?:[-*+•>#]|\d{1,3}[.)]|[A-Z]))"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty sentence of ``text``, trimmed of markers and space."""
    spans = []
    start = 0
    for match in _END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    found = []
    for s, e in spans:
        s, e = trim(text, s, e)
        if e > s and any(ch.isalnum() for ch in text[s:e]):
            found.append((s, e))
    return found
