"""Narratives shown as written, with evidence spans marked by code and polarity."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

POLARITY_SIGN = {"improved": "↑", "worsened": "↓", "unchanged": "→"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    code: str
    polarity: str


def highlight(text: str, spans: Sequence[Span]) -> Markup:
    """Escape ``text`` and wrap each evidence span in ``<mark>``, labelled after the span.

    Overlapping spans are cut at every boundary so marks never nest badly.
    """
    spans = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[str] = []
    for left, right in itertools.pairwise(cuts):
        covering = [s for s in spans if s.start <= left and right <= s.end]
        piece = escape(text[left:right])
        if covering:
            title = "; ".join(f"{s.code} ({s.polarity})" for s in covering)
            out.append(f'<mark class="evidence" title="{escape(title)}">{piece}</mark>')
        else:
            out.append(str(piece))
        for s in spans:
            if s.end == right:
                sign = POLARITY_SIGN.get(s.polarity, "")
                out.append(
                    f'<span class="tag-label polarity-{escape(s.polarity)}">'
                    f"{escape(s.code)} {sign} {escape(s.polarity)}</span>"
                )
    return Markup("".join(out))  # noqa: S704 - every piece of text above is escaped
