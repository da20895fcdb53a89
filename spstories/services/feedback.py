"""Recording feedback: one item quickly, or many pasted at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.vocabulary import FeedbackChannel, FeedbackSource
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.case_studies import find_client
from spstories.services.tagging import tag_document
from spstories.storage.models import Feedback, User
from spstories.storage.queries import scoped

MAX_LENGTH = 20_000


class FeedbackError(SpstoriesError):
    """Feedback cannot be saved; ``errors`` maps field to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass(frozen=True)
class FeedbackInput:
    organisation_id: int
    source: str
    channel: str
    received_on: date | None
    text: str
    formal: bool = False
    client_reference: str = ""


def split_pasted(text: str) -> list[str]:
    """Items separated by blank lines (as pasted from an email or a survey export)."""
    return [
        item.strip() for item in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if item.strip()
    ]


def _validate(
    session: Session, user: User, data: FeedbackInput
) -> tuple[dict[str, str], int | None]:
    errors: dict[str, str] = {}
    if data.organisation_id not in user.organisation_ids:
        errors["organisation_id"] = "Choose one of your organisations."
    if data.source not in {s.value for s in FeedbackSource}:
        errors["source"] = "Choose who the feedback is from."
    if data.channel not in {c.value for c in FeedbackChannel}:
        errors["channel"] = "Choose how it was received."
    if data.received_on is None:
        errors["received_on"] = "Enter the date it was received."
    elif data.received_on > date.today():
        errors["received_on"] = "The date cannot be in the future."
    if not data.text.strip():
        errors["text"] = "Enter the feedback."
    elif len(data.text) > MAX_LENGTH:
        errors["text"] = f"Feedback is limited to {MAX_LENGTH:,} characters."
    client_id = None
    if data.client_reference.strip() and "organisation_id" not in errors:
        client = find_client(session, user, data.organisation_id, data.client_reference)
        if client is None:
            errors["client_reference"] = (
                f"No client with reference {data.client_reference.strip()!r} in this organisation."
            )
        else:
            client_id = client.id
    return errors, client_id


def record_feedback(session: Session, user: User, data: FeedbackInput) -> Feedback:
    """Validate, store and tag one item of feedback."""
    errors, client_id = _validate(session, user, data)
    if errors:
        raise FeedbackError(errors)
    item = Feedback(
        organisation_id=data.organisation_id,
        client_id=client_id,
        recorded_by_id=user.id,
        source=data.source,
        channel=data.channel,
        formal=data.formal,
        received_on=data.received_on,
        text=data.text.strip(),
    )
    session.add(item)
    session.flush()
    tags = tag_document(session, item)
    audit.record(session, "feedback.record", user=user, obj=item, tags=len(tags))
    return item


def record_pasted(session: Session, user: User, data: FeedbackInput) -> list[Feedback]:
    """Record every blank-line-separated item of ``data.text``; all or none."""
    items = split_pasted(data.text)
    if not items:
        raise FeedbackError({"text": "Paste at least one item of feedback."})
    saved = []
    for number, text in enumerate(items, start=1):
        try:
            saved.append(record_feedback(session, user, replace(data, text=text)))
        except FeedbackError as exc:
            raise FeedbackError(
                {k: f"Item {number}: {v}" if k == "text" else v for k, v in exc.errors.items()}
            ) from exc
    return saved


def recent_feedback(session: Session, user: User, limit: int = 50) -> list[Feedback]:
    stmt = scoped(select(Feedback), Feedback, user)
    return list(
        session.scalars(stmt.order_by(Feedback.received_on.desc(), Feedback.id.desc()).limit(limit))
    )
