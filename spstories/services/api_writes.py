"""Writes through the API: feedback and clients pushed by other systems, safe to retry.

Each write calls the same service the web form does (so the same validation, tagging and
audit), records that it came through the API with which token, and, when the caller sends
an ``Idempotency-Key``, remembers it: a retry with the same key returns the first record
instead of making a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.services import api_records, audit
from spstories.services import clients as client_service
from spstories.services import feedback as feedback_service
from spstories.storage.models import ApiIdempotencyKey, ApiToken, Client, User


class WriteError(Exception):
    """The input is refused; ``fields`` maps each field to its problem."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


@dataclass(frozen=True)
class Written:
    resource: str
    id: int
    replayed: bool  # True when an earlier call with the same key made it


def replay(session: Session, token: ApiToken, key: str | None, resource: str) -> Written | None:
    """The record an earlier call with this key made, if any."""
    if not key:
        return None
    found = session.scalars(select(ApiIdempotencyKey).where(
        ApiIdempotencyKey.token_id == token.id, ApiIdempotencyKey.key == key)).first()
    if found is None:
        return None
    if found.resource != resource:
        raise WriteError({"Idempotency-Key": f"already used for a {found.resource}"})
    return Written(resource, found.resource_id, True)


def _written(session: Session, user: User, token: ApiToken, key: str | None, resource: str,
             made: Any) -> Written:
    """Remember the key (if any) and audit that the record came through the API."""
    if key:
        session.add(ApiIdempotencyKey(token_id=token.id, key=key, resource=resource,
                                      resource_id=made.id))
    audit.record(session, "api.write", user=user, obj=made, token_id=token.id,
                 resource=resource)
    return Written(resource, made.id, False)


def organisation_for(user: User, organisation_id: int | None) -> int:
    """The organisation a record goes to: as asked, or the user's only one."""
    if organisation_id is not None:
        return organisation_id
    if len(user.organisation_ids) == 1:
        return user.organisation_ids[0]
    raise WriteError({"organisation_id": "is required: you belong to several organisations"})


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def create_feedback(session: Session, user: User, token: ApiToken, body: dict[str, Any],
                    key: str | None = None) -> Written:
    """Record one item of feedback from a validated body (tagged as it is saved)."""
    earlier = replay(session, token, key, "feedback")
    if earlier is not None:
        return earlier
    data = feedback_service.FeedbackInput(
        organisation_id=organisation_for(user, body.get("organisation_id")),
        source=body["source"], channel=body["channel"], received_on=_date(body["received_on"]),
        text=body["text"], formal=bool(body.get("formal", False)),
        client_reference=body.get("client_reference", ""),
    )
    try:
        item = feedback_service.record_feedback(session, user, data)
    except feedback_service.FeedbackError as exc:
        raise WriteError(exc.errors) from exc
    return _written(session, user, token, key, "feedback", item)


def create_client(session: Session, user: User, token: ApiToken, body: dict[str, Any],
                  key: str | None = None) -> Written:
    """A client, with their first referral when the body has one; all or nothing."""
    earlier = replay(session, token, key, "client")
    if earlier is not None:
        return earlier
    data = client_service.ClientInput(
        organisation_id=organisation_for(user, body.get("organisation_id")),
        reference=body["reference"],
        **{k: body[k] for k in ("age_band", "gender", "ethnic_group", "area", "imd_decile")
           if k in body},
    )
    referral = None
    if "referral" in body:
        r = body["referral"]
        referral = client_service.ReferralInput(
            referred_on=_date(r["referred_on"]), source=r["source"],
            status=r.get("status", "offered"), service=r.get("service", ""),
            needs=list(r.get("needs", [])), first_contact_on=_date(r.get("first_contact_on")),
        )
    try:
        made = client_service.create_client(session, user, data, referral)
    except client_service.ClientError as exc:
        referral_fields = {"referred_on", "source", "status", "service", "needs",
                           "first_contact_on"}
        raise WriteError({f"referral.{k}" if k in referral_fields else k: v
                          for k, v in exc.errors.items()}) from exc
    return _written(session, user, token, key, "client", made)


def feedback_record(session: Session, user: User, feedback_id: int) -> dict[str, Any]:
    found = api_records.feedback_item(session, user, feedback_id)
    if found is None:  # the key's record is in an organisation the user has since left
        raise WriteError({"Idempotency-Key": "the record it made is no longer yours to read"})
    return found


def client_record(session: Session, user: User, client_id: int) -> dict[str, Any]:
    client = session.get(Client, client_id)
    if client is None or client.organisation_id not in user.organisation_ids:
        raise WriteError({"Idempotency-Key": "the record it made is no longer yours to read"})
    return {"client": api_records.client_record(client),
            "referrals": [api_records.referral_record(r) for r in client.referrals]}

