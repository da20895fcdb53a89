"""Safe Markdown rendering: XSS payloads are neutralised, ordinary Markdown still renders."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from spstories.core.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    markdown_to_text,
    render_markdown,
    sanitise_html,
)

# Typed here rather than imported, so a widened allow-list in the module fails these tests.
TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5",
    "h6", "a", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
SAFE_URL = re.compile(r"(https?|mailto):", re.IGNORECASE)

# OWASP XSS filter evasion cheat sheet and friends, written the way they reach a narrative.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;"
    "&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "# <svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<iframe src=\"javascript:alert('XSS');\"></iframe>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<div style="background-image: url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICKME</math>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<javascript:alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
    "&#0000116&#0000058alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](  javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[a]: javascript:alert(1)\n\n[x][a]",
    '[x](https://example.org "\\" onmouseover=\\"alert(1)")',
    "![x](javascript:alert(1))",
    '![x](x "onerror=alert(1)")',
    '![x](x" onerror="alert(1))',
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "**<img src=x onerror=alert(1)>**",
    "> <iframe srcdoc='<script>alert(1)</script>'>",
]


class _Tags(HTMLParser):
    """Every element and attribute the browser would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(rendered: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(rendered)
    parser.close()
    return parser.elements


def assert_safe(rendered: str) -> None:
    assert "<script" not in rendered.lower()
    # An "on...=" inside a quoted attribute value is text; nh3 always double-quotes values.
    tags_only = re.sub(r'"[^"]*"', '""', rendered)
    assert not re.search(r"<[^>]*\son\w*\s*=", tags_only, re.IGNORECASE), rendered
    for tag, attrs in elements(rendered):
        assert tag in TAGS, f"tag {tag!r} in {rendered!r}"
        assert set(attrs) <= ATTRIBUTES.get(tag, set()), f"{tag} {attrs} in {rendered!r}"
        assert not any(name.startswith("on") for name in attrs)
        assert "src" not in attrs
        if "href" in attrs:
            url = re.sub(r"[\x00-\x20]", "", html.unescape(attrs["href"] or ""))
            assert SAFE_URL.match(url), f"href {attrs['href']!r} in {rendered!r}"
            assert not re.search(r"(javascript|vbscript|data):", url, re.IGNORECASE)


def test_there_are_enough_payloads() -> None:
    assert len(XSS_PAYLOADS) >= 25
    assert len(set(XSS_PAYLOADS)) == len(XSS_PAYLOADS)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_is_neutralised(payload: str) -> None:
    assert_safe(render_markdown(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_inside_ordinary_markdown_is_neutralised(payload: str) -> None:
    rendered = render_markdown(f"## Story\n\nShe said **thanks**.\n\n{payload}\n\n- one\n- two\n")
    assert_safe(rendered)
    assert "<strong>thanks</strong>" in rendered
    assert "<li>two</li>" in rendered


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitiser_alone_neutralises_payload_as_raw_html(payload: str) -> None:
    # Second line of defence: even if raw HTML reached the sanitiser, it would be cleaned.
    assert_safe(sanitise_html(payload))


def test_sanitiser_keeps_allowed_markup() -> None:
    assert sanitise_html('<p onclick="x">a <em>b</em><table><tr><td align="center">c</td>'
                         '</tr></table></p>') == (
        '<p>a <em>b</em></p><table><tbody><tr><td align="center">c</td></tr></tbody></table><p></p>'
    )  # fmt: skip
    assert sanitise_html('<td align="justify">x</td>') == "x"


def test_allow_list_is_the_documented_one() -> None:
    assert set(ALLOWED_TAGS) == TAGS
    assert {"a": {"href", "title"}, "ol": {"start"}} == ALLOWED_ATTRIBUTES
    assert set(ALLOWED_URL_SCHEMES) == {"http", "https", "mailto"}


def test_the_checker_itself_catches_unsafe_html() -> None:
    for unsafe in (
        "<script>x</script>",
        '<p onclick="x">a</p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<img src="x">',
        '<a href="/relative">x</a>',
        "<div>x</div>",
    ):
        with pytest.raises(AssertionError):
            assert_safe(unsafe)


def test_raw_html_is_shown_as_text_not_dropped() -> None:
    assert render_markdown("<b>hi</b> & <script>alert(1)</script>") == (
        "<p>&lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


def test_bad_link_keeps_its_text_but_loses_its_href() -> None:
    rendered = render_markdown("[click me](javascript:alert(1))")
    [attrs] = [attrs for tag, attrs in elements(rendered) if tag == "a"]
    assert "href" not in attrs
    assert "click me" in rendered


# --- Ordinary Markdown still renders ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**bold** and *em*", "<p><strong>bold</strong> and <em>em</em></p>"),
        ("# Title", "<h1>Title</h1>"),
        ("###### Small", "<h6>Small</h6>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("`x < y`", "<p><code>x &lt; y</code></p>"),
        ("```\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
        ("a\n\n---\n\nb", "<p>a</p>\n<hr>\n<p>b</p>"),
        ("line one  \nline two", "<p>line one<br>\nline two</p>"),
        ("Tom &amp; Jerry", "<p>Tom &amp; Jerry</p>"),
    ],
)
def test_ordinary_markdown_renders(text: str, expected: str) -> None:
    assert render_markdown(text) == expected


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("[site](https://example.org/a?b=1&c=2)", "https://example.org/a?b=1&amp;c=2"),
        ("[site](http://example.org)", "http://example.org"),
        ("<https://example.org>", "https://example.org"),
        ("[mail](mailto:worker@example.org)", "mailto:worker@example.org"),
    ],
)
def test_safe_links_render_with_rel(text: str, href: str) -> None:
    rendered = render_markdown(text)
    assert f'href="{href}"' in rendered
    assert 'rel="noopener noreferrer nofollow"' in rendered
    assert_safe(rendered)


def test_link_title_is_kept() -> None:
    assert 'title="More"' in render_markdown('[site](https://example.org "More")')


def test_relative_links_and_images_are_not_rendered() -> None:
    assert "href" not in render_markdown("[home](/case-studies/1)")
    assert render_markdown("![a chart](https://example.org/c.png)") == "<p></p>"


def test_tables_render_with_alignment() -> None:
    rendered = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert '<th align="left">a</th>' in rendered
    assert '<td align="right">2</td>' in rendered
    assert_safe(rendered)


def test_sane_lists_do_not_merge_list_types() -> None:
    rendered = render_markdown("1. one\n\n- two")
    assert "<ol>" in rendered and "<ul>" in rendered


def test_rendering_needs_text() -> None:
    with pytest.raises(TypeError, match="must be str"):
        render_markdown(None)  # type: ignore[arg-type]
    assert render_markdown("") == ""


# --- Plain text --------------------------------------------------------------------------


def test_markdown_to_text_removes_markup_and_keeps_structure() -> None:
    text = (
        "# Visit\n\nShe felt **much** better, *less* alone.\n\n- gardening\n- choir\n"
        "    - alto\n\n> A quote\n\nSee [the group](https://example.org) & more.\n\n"
        "```\nkeep   spacing\n```\n\nend  \nbreak"
    )
    assert markdown_to_text(text) == (
        "Visit\n\nShe felt much better, less alone.\n\ngardening\nchoir\nalto\n\nA quote\n\n"
        "See the group (https://example.org) & more.\n\nkeep   spacing\n\nend\nbreak"
    )


def test_markdown_to_text_keeps_what_the_writer_typed() -> None:
    assert markdown_to_text("a <b>x</b> &amp; <3") == "a <b>x</b> & <3"
    assert markdown_to_text("<https://example.org>") == "https://example.org"
    assert markdown_to_text("<worker@example.org>") == "worker@example.org"
    assert markdown_to_text("![a chart](c.png)") == "a chart"


def test_markdown_to_text_tables_are_tab_separated() -> None:
    assert markdown_to_text("| a | b |\n|---|---|\n| 1 | 2 |") == "a\tb\n1\t2"


def test_markdown_to_text_of_nothing_is_nothing() -> None:
    assert markdown_to_text("") == ""
    assert markdown_to_text("\n\n  \n") == ""
