"""Recording what people do, in the append-only audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from spstories.storage.models import AuditEvent, User


def record(
    session: Session,
    action: str,
    *,
    user: User | None = None,
    organisation_id: int | None = None,
    obj: Any = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session's transaction (committed with the change it records)."""
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        organisation_id=organisation_id
        if organisation_id is not None
        else getattr(obj, "organisation_id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details,
    )
    session.add(event)
    return event
