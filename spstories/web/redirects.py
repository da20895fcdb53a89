"""Where a form may send the browser next: only paths on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback``: an open redirect
    ("//evil.example", "https://...") would let a phishing link borrow our pages."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or urlsplit(target).netloc
    ):
        return fallback
    return target
