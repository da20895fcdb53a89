"""The append-only audit trail and its hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from spstories.storage.models.base import Base, utcnow


class AuditEvent(Base):
    """Something a person did to data: who, when, what, in which organisation.

    Rows are never updated or deleted: the ORM refuses, and database triggers
    (see the initial migration) refuse too. So users are deactivated, never deleted.
    ``client_id`` names the client whose data the event is about, if any; it is no foreign
    key, so the event outlives an erased client (and holds none of the erased content).
    ``details`` hold ids, counts and choices, never narrative text.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_id: Mapped[int | None] = mapped_column(Integer, index=True)


class AuditLink(Base):
    """One link of the hash chain over the audit trail (``storage.audit_chain``).

    ``position`` counts events in the order their transactions committed; ``hash`` covers
    the event and ``prev_hash``, so changing, removing or reordering any sealed event breaks
    every link after it. Append-only like the events.
    """

    __tablename__ = "audit_chain"

    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditTrailIsAppendOnly(Exception):
    """Raised when code tries to change or remove an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
@event.listens_for(AuditLink, "before_update")
@event.listens_for(AuditLink, "before_delete")
def _refuse_change(mapper: Any, connection: Any, target: AuditEvent | AuditLink) -> None:
    raise AuditTrailIsAppendOnly(f"{target!r} cannot be changed or deleted: the audit trail "
                                 "is append-only")
