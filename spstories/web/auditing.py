"""Who saw or downloaded what: an audit event for each page load or download of client data.

One event per page load: a page about one record names it (and its client); a list or
search names what was asked for and how many rows it showed, not every client in it
(docs/information-governance.md). The event is committed before the page is sent, so
nothing is shown that the trail does not record.
"""

from __future__ import annotations

from typing import Any

from flask import request

from spstories.services import audit
from spstories.web.access import current_user
from spstories.web.db import get_db


def record_access(action: str, obj: Any = None, *, client_id: int | None = None,
                  organisation_id: int | None = None, **details: Any) -> None:
    """Record that the current user saw or downloaded ``obj`` (or a list) on this page."""
    db = get_db()
    audit.record(db, action, user=current_user(), obj=obj, client_id=client_id,
                 organisation_id=organisation_id, page=request.endpoint, **details)
    db.commit()


def asked_for(*names: str) -> dict[str, str]:
    """The query-string filters a list page was asked for, as given (never free text
    beyond what the user typed to search)."""
    return {name: request.args[name][:100] for name in names if request.args.get(name)}
