"""Safe Markdown: narratives are stored as written; only rendering sanitises them.

``render_markdown`` turns Markdown into HTML that is safe to put in a page: raw HTML in the
text is shown as text (never passed through), and the result is cleaned by ``sanitise_html``
(nh3 with an explicit allow-list of tags, attributes and URL schemes) as a second line of
defence. ``markdown_to_text`` gives plain
text for search and export (plain text, not HTML: escape it before putting it in a page).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
import nh3

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "hr", "a"}
    | {f"h{level}" for level in range(1, 7)}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# Table cells may carry an alignment, and only one of these values.
_ALIGN = {cell: {"align": {"left", "center", "right"}} for cell in ("th", "td")}
# Tags whose content goes too, not just the tag (nh3 keeps the text of other removed tags).
# fmt: off
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
    "textarea", "select", "title",
})
# fmt: on
_EXTENSIONS = ["sane_lists", "tables", "fenced_code"]
_EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML (raw HTML in ``text`` is escaped, not rendered)."""
    return sanitise_html(_to_html(text))


def sanitise_html(fragment: str) -> str:
    """Clean an HTML fragment down to the allow-list: tags, attributes and URL schemes."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=_ALIGN,
        url_schemes=ALLOWED_URL_SCHEMES,
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )


def markdown_to_text(text: str) -> str:
    """Plain text of a Markdown narrative: markup removed, blocks on their own lines.

    A link keeps its URL in brackets after its text so exports lose nothing.
    """
    extractor = _TextExtractor()
    extractor.feed(_to_html(text))
    extractor.close()
    lines = (line.rstrip() for line in "".join(extractor.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _to_html(text: str) -> str:
    """Markdown to HTML with raw HTML turned off: tags the writer typed become text."""
    if not isinstance(text, str):
        raise TypeError(f"Markdown text must be str, got {type(text).__name__}")
    md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(text)


_PARAGRAPHS = {"p", "blockquote", "pre", "table", "ul", "ol", "hr"} | {
    f"h{level}" for level in range(1, 7)
}
_LINES = {"li", "tr"}


class _TextExtractor(HTMLParser):
    """Collect the text of Markdown's HTML output: paragraphs apart, list items and rows
    on their own lines, table cells separated by tabs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[tuple[str | None, int]] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if (tag in _PARAGRAPHS or tag in _LINES) and self.parts and self.parts[-1][-1:] != "\n":
            self.parts.append("\n")  # a block opening inside another, e.g. a nested list
        if tag == "br":
            self.parts.append("\n")
        elif tag == "pre":
            self._pre += 1
        elif tag in ("td", "th") and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\t")
        elif tag == "img":
            self.parts.append(dict(attrs).get("alt") or "")
        elif tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag == "a" and self._links:
            href, start = self._links.pop()
            shown = "".join(self.parts[start:]).strip()
            if href and href not in (shown, f"mailto:{shown}"):
                self.parts.append(f" ({href})")
        elif tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in _LINES:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        # Markdown puts a newline between block tags; that is layout, not text.
        if self._pre:
            self.parts.append(data)
        elif data.strip() or "\n" not in data:
            if self.parts and self.parts[-1].endswith("\n"):
                data = data.lstrip("\n")  # the newline Markdown writes after <br>
            self.parts.append(data)
