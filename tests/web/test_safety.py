"""Stored XSS through the real app, and the palette's contrast (WCAG AA)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from spstories.storage.models import CaseStudy, Client

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<svg/onload=alert(1)>",
    '<a href="jAvAsCrIpT:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    "<details open ontoggle=alert(1)>",
]
CSS = (Path(__file__).resolve().parents[2] / "spstories/web/static/app.css").read_text()


class _Tags(HTMLParser):
    """Every real element and attribute of a page (text that merely looks like HTML is not)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _dangerous(page: str) -> list[str]:
    parser = _Tags()
    parser.feed(page)
    found = []
    for tag, attrs in parser.tags:
        if tag in {"script", "iframe", "object", "embed", "svg", "details"}:
            found.append(tag)
        for name, value in attrs:
            url = re.sub(r"\s", "", (value or "")).lower()
            if name.startswith("on") or (name in {"href", "src"} and url.startswith(
                    ("javascript:", "vbscript:", "data:text"))):
                found.append(f"{tag} {name}={value}")
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_stored_payloads_never_reach_the_page_as_markup(client, auth, users, orgs, db, payload):
    db.add(Client(organisation_id=orgs["north"].id, reference="N-1"))
    db.commit()
    auth.login("link_worker@north.test")
    auth.post("/case-studies/new", {
        "organisation_id": orgs["north"].id, "client_reference": "N-1", "title": payload,
        "narrative": f"She felt more confident. {payload}", "client_quote": payload,
        "consent_level": "none", "action": "submit"})
    case_study = db.scalars(select(CaseStudy)).one()
    assert payload in case_study.narrative  # stored as written
    for path in (f"/case-studies/{case_study.id}", "/case-studies/"):
        page = client.get(path).get_data(as_text=True)
        assert _dangerous(page) == []


def test_the_checker_itself_catches_live_markup():
    assert _dangerous('<p><img src=x onerror="alert(1)"></p>') == ["img onerror=alert(1)"]
    assert _dangerous('<a href=" JaVaScRiPt:alert(1)">x</a>')
    assert _dangerous("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _var(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)


@pytest.mark.parametrize(("text", "background"), [
    ("ink", "paper"), ("muted", "paper"), ("muted", "wash"), ("brand", "paper"),
    ("error", "paper"), ("improved", "paper"), ("worsened", "paper"), ("unchanged", "paper"),
    ("ink", "wash"),
])
def test_text_colours_meet_wcag_aa(text, background):
    assert _contrast(_var(text), _var(background)) >= 4.5


@pytest.mark.parametrize("background", ["brand-dark", "ok", "brand"])
def test_white_text_on_coloured_backgrounds_meets_wcag_aa(background):
    assert _contrast("#ffffff", _var(background)) >= 4.5


def test_no_external_assets_in_templates():
    root = Path(__file__).resolve().parents[2]
    for template in (root / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"""(src|href)=["']https?://""", text), template
