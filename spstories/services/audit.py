"""Recording what people do, in the append-only audit trail.

Details are ids, counts and choices, never what a client said: the trail outlives an
erased client (docs/information-governance.md), so it must not hold their content.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from spstories.storage.models import AuditEvent, Client, User


def client_of(obj: Any) -> int | None:
    """The client a record is about, where the record says so."""
    if isinstance(obj, Client):
        return obj.id
    return getattr(obj, "client_id", None)


def record(
    session: Session,
    action: str,
    *,
    user: User | None = None,
    organisation_id: int | None = None,
    obj: Any = None,
    client_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session's transaction (committed with the change it records).

    ``client_id`` defaults to the client ``obj`` belongs to.
    """
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        organisation_id=organisation_id
        if organisation_id is not None
        else getattr(obj, "organisation_id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        client_id=client_id if client_id is not None else client_of(obj),
        details=details,
    )
    session.add(event)
    return event
