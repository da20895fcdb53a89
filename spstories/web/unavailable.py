"""When the database is busy (SQLite locked beyond the busy timeout) or down (PostgreSQL
unreachable, restarted, dropped): a 503 page in plain words instead of a traceback, and what
the user typed is kept.

Nothing was saved, because the request's transaction never committed. A posted form comes
back on the page, read-only for copying and in hidden fields behind a "Try again" button that
posts it to the same place; passwords and uploaded files are never echoed, so a form that had
them asks for them again. Background requests (the case-study draft autosave) get JSON, and
the page keeps its text and retries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.wrappers import Response

DATABASE_FAULTS = (OperationalError, InterfaceError, PoolTimeoutError)
RETRY_AFTER_SECONDS = 30
NEVER_ECHOED = ("csrf_token", "password")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeptField:
    """One posted field: its name (for the retry form), a label and what was typed."""

    name: str
    label: str
    values: list[str]

    @property
    def typed(self) -> bool:
        return any(value.strip() for value in self.values)


def init_app(app: Flask) -> None:
    for fault in DATABASE_FAULTS:
        app.register_error_handler(fault, database_unavailable)


def is_busy(exc: BaseException) -> bool:
    """True for a lock or pool wait that ran out, rather than a database that is not there."""
    if isinstance(exc, PoolTimeoutError):
        return True
    return "lock" in str(getattr(exc, "orig", exc)).lower()


def database_unavailable(exc: Exception) -> tuple[str | Response, int, dict[str, str]]:
    """The 503 answer: JSON for the page's scripts, else a page that keeps the form."""
    busy = is_busy(exc)
    # The driver's message only: SQLAlchemy's own text would carry the statement, whose
    # parameters can be a client's story.
    log.warning(
        "database %s during %s %s: %s: %s",
        "busy" if busy else "unavailable",
        request.method,
        request.path,
        type(getattr(exc, "orig", exc)).__name__,
        (str(getattr(exc, "orig", "")).strip().splitlines() or [""])[0],
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    title = "The database is busy" if busy else "The database cannot be reached"
    message = (
        "Other people's changes are being saved and this one had to wait too long."
        if busy
        else "spstories cannot reach its database just now. Your administrator has been "
        "told in the server's log."
    )
    if _from_script():
        return jsonify(saved=False, error=f"{title}. Nothing was saved yet."), 503, headers
    kept = _kept_fields() if request.method == "POST" else []
    dropped_files = any(f.filename for f in request.files.values())
    dropped_secret = any(
        secret in name for name in request.form for secret in NEVER_ECHOED[1:]
    )
    page = render_template(
        "unavailable.html",
        title=title,
        message=message,
        kept=kept,
        can_repost=request.method == "POST" and not dropped_files and not dropped_secret,
        dropped_files=dropped_files,
        retry_url=request.full_path.rstrip("?"),
        posted=request.method == "POST",
        current_user=None,  # the navigation would need the database
    )
    return page, 503, headers


def _from_script() -> bool:
    """A fetch() from the app's own scripts, not a page the browser navigates to."""
    mode = request.headers.get("Sec-Fetch-Mode")
    return request.is_json or (mode is not None and mode != "navigate")


def _kept_fields() -> list[KeptField]:
    return [
        KeptField(name, _label(name), values)
        for name, values in request.form.lists()
        if not any(secret in name for secret in NEVER_ECHOED)
    ]


def _label(name: str) -> str:
    words = name.replace("-", " ").replace("_", " ").split()
    return " ".join(words).capitalize() if words else name
