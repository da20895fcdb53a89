"""A report as plain data: blocks in order, each figure with a note of what it counts.

Services fill a ``Report`` from the data; renderers (Markdown, HTML, DOCX, PDF) only lay it
out, so every format says the same thing. ``to_dict``/``from_dict`` store it as JSON with a
saved version, so an old version exports exactly as it was generated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

# Fields written by people (staff or clients): what de-identification must cover.
FREE_TEXT = {"text": ("text",), "quote": ("text",), "case_study": ("title", "text")}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # what is printed: "12", "<5", "45%"


@dataclass(frozen=True)
class Chart:
    """Chart data; ``kind`` is ``bar`` (counts) or ``share`` (0-1 stacked shares)."""

    title: str
    kind: str = "bar"
    bars: tuple[Bar, ...] = ()
    # share charts: rows of (label, ((key, label, share), ...)) and the legend
    rows: tuple[tuple[str, tuple[tuple[str, str, float], ...]], ...] = ()
    legend: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Block:
    """One piece of a report.

    ``kind``: ``heading`` (text, level), ``text`` (Markdown written by a person),
    ``table`` (title, columns, rows, chart), ``quote`` (text, attribution),
    ``case_study`` (title, text). ``note`` is the footnote: what a figure counts (filters, n)
    or where a quote comes from and the consent it rests on.
    """

    kind: str
    text: str = ""
    level: int = 2
    title: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    chart: Chart | None = None
    attribution: str = ""
    note: str = ""
    caption: str = ""  # shown under a table (e.g. "Shares are of the 40 clients…")


@dataclass
class Report:
    title: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)

    def notes(self) -> list[str]:
        """Footnote texts in order of first use (a repeated note keeps its number)."""
        out: list[str] = []
        for b in self.blocks:
            if b.note and b.note not in out:
                out.append(b.note)
        return out

    def note_number(self, block: Block) -> int | None:
        return self.notes().index(block.note) + 1 if block.note else None

    def texts(self) -> list[str]:
        """Every free-text field a person or client wrote (what de-identification covers)."""
        return [getattr(b, f) for b in self.blocks for f in FREE_TEXT.get(b.kind, ())]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        blocks = []
        for raw in data.get("blocks", []):
            b = dict(raw)
            chart = b.pop("chart", None)
            if chart:
                chart = Chart(
                    title=chart["title"], kind=chart["kind"],
                    bars=tuple(Bar(**bar) for bar in chart["bars"]),
                    rows=tuple((label, tuple(tuple(p) for p in parts))  # type: ignore[misc]
                               for label, parts in chart["rows"]),
                    legend=tuple(tuple(p) for p in chart["legend"]),  # type: ignore[misc]
                )
            b["columns"] = tuple(b.get("columns", ()))
            b["rows"] = tuple(tuple(r) for r in b.get("rows", ()))
            blocks.append(Block(**b, chart=chart))
        return cls(title=data["title"], subtitle=data.get("subtitle", ""), blocks=blocks)

    def replace_texts(self, texts: list[str]) -> Report:
        """A copy with the free-text fields replaced in ``texts()`` order (de-identified)."""
        it = iter(texts)
        blocks = [
            replace(b, **{f: next(it) for f in FREE_TEXT[b.kind]}) if b.kind in FREE_TEXT else b
            for b in self.blocks
        ]
        return Report(self.title, self.subtitle, blocks)
