"""Reading documents and their tags for display."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from spstories.storage.models import Client, Tag, User
from spstories.storage.queries import scoped


def document_tags(
    session: Session, *, case_study_id: int | None = None, feedback_id: int | None = None
) -> list[Tag]:
    """Tags of one document, by position then score."""
    stmt = select(Tag).options(joinedload(Tag.code))
    if case_study_id is not None:
        stmt = stmt.where(Tag.case_study_id == case_study_id)
    else:
        stmt = stmt.where(Tag.feedback_id == feedback_id)
    stmt = stmt.where(Tag.review_state != "rejected")
    return list(session.scalars(stmt.order_by(Tag.field, Tag.start_offset, Tag.score.desc())))


def client_references(session: Session, user: User, limit: int = 2000) -> list[str]:
    """References of clients the user may see, for pickers."""
    stmt = scoped(select(Client.reference), Client, user).order_by(Client.reference).limit(limit)
    return list(session.scalars(stmt))
