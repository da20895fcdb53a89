"""Clients and referrals: creating them with validation, finding them, and listing them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from spstories.core.vocabulary import (
    AgeBand,
    EthnicGroup,
    Gender,
    PresentingNeed,
    ReferralSource,
    ReferralStatus,
    Role,
)
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.timeline import (  # re-exported: the timeline is part of this API
    OutcomePair,
    TimelineEntry,
    outcome_pairs,
    timeline,
)
from spstories.storage.models import Client, Referral, User
from spstories.storage.queries import scoped

__all__ = [
    "ClientError",
    "ClientInput",
    "OutcomePair",
    "ReferralInput",
    "TimelineEntry",
    "add_referral",
    "check_client",
    "check_referral",
    "create_client",
    "latest_referral",
    "list_clients",
    "normalise_area",
    "outcome_pairs",
    "timeline",
]

# The outward code of a UK postcode (M14, SW1A, B3, EC1A): the district, never the full
# postcode, so the area stays coarse enough not to identify anyone.
POSTCODE_DISTRICT = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?")
FULL_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?\s*[0-9][A-Z]{2}")
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
MAX_REFERENCE = 64
MAX_SERVICE = 120


class ClientError(SpstoriesError):
    """A client or referral cannot be saved; ``errors`` maps field name to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass(frozen=True)
class ClientInput:
    """What was typed about a client, as plain values."""

    organisation_id: int
    reference: str
    age_band: str = AgeBand.NOT_KNOWN.value
    gender: str = Gender.NOT_KNOWN.value
    ethnic_group: str = EthnicGroup.NOT_STATED.value
    area: str = ""
    imd_decile: int | None = None


@dataclass(frozen=True)
class ReferralInput:
    """What was typed about a referral, as plain values."""

    referred_on: date | None
    source: str
    status: str = ReferralStatus.OFFERED.value
    service: str = ""
    needs: list[str] = field(default_factory=list)
    reasons: str = ""
    first_contact_on: date | None = None


def normalise_area(area: str) -> str:
    """Upper-case and drop spaces: ' sw1a ' -> 'SW1A'."""
    return re.sub(r"\s+", "", area).upper()


def _in(value: str, vocabulary: type[StrEnum]) -> bool:
    return value in {member.value for member in vocabulary}


def check_client(session: Session, user: User, data: ClientInput) -> dict[str, str]:
    """Problems with a new client, by field; empty when it can be saved."""
    errors: dict[str, str] = {}
    if data.organisation_id not in user.organisation_ids:
        errors["organisation_id"] = "Choose one of your organisations."
    reference = data.reference.strip()
    if not reference:
        errors["reference"] = "Enter the client's reference."
    elif len(reference) > MAX_REFERENCE:
        errors["reference"] = f"Keep the reference to {MAX_REFERENCE} characters or fewer."
    elif not REFERENCE.fullmatch(reference):
        errors["reference"] = (
            "Use letters, digits and . _ / - only, with no spaces: a "
            "reference such as N-0042, never the client's name."
        )
    elif "organisation_id" not in errors and _reference_taken(
        session, data.organisation_id, reference
    ):
        errors["reference"] = (
            f"There is already a client with reference {reference!r} in this organisation."
        )
    for name, vocabulary in (
        ("age_band", AgeBand),
        ("gender", Gender),
        ("ethnic_group", EthnicGroup),
    ):
        if not _in(getattr(data, name), vocabulary):
            errors[name] = "Choose one of the options."
    area = normalise_area(data.area)
    if area and FULL_POSTCODE.fullmatch(area):
        errors["area"] = (
            "Enter only the postcode district (the first half, e.g. M14), never the full postcode."
        )
    elif area and not POSTCODE_DISTRICT.fullmatch(area):
        errors["area"] = "Enter a postcode district such as M14 or SW1A, or leave it empty."
    if data.imd_decile is not None and not 1 <= data.imd_decile <= 10:
        errors["imd_decile"] = "The IMD decile is a whole number from 1 (most deprived) to 10."
    return errors


def _reference_taken(session: Session, organisation_id: int, reference: str) -> bool:
    # Case-insensitive: 'n-001' and 'N-001' would be the same person to a reader.
    stmt = select(Client.id).where(
        Client.organisation_id == organisation_id, func.lower(Client.reference) == reference.lower()
    )
    return session.scalars(stmt).first() is not None


def check_referral(data: ReferralInput) -> dict[str, str]:
    """Problems with a referral, by field; empty when it can be saved."""
    errors: dict[str, str] = {}
    today = date.today()
    if data.referred_on is None:
        errors["referred_on"] = "Enter the date of the referral, e.g. 2026-03-14."
    elif data.referred_on > today:
        errors["referred_on"] = "The referral date cannot be in the future."
    if not _in(data.source, ReferralSource):
        errors["source"] = "Choose who made the referral."
    if not _in(data.status, ReferralStatus):
        errors["status"] = "Choose the referral's status."
    if len(data.service.strip()) > MAX_SERVICE:
        errors["service"] = f"Keep the service name to {MAX_SERVICE} characters or fewer."
    unknown = [need for need in data.needs if not _in(need, PresentingNeed)]
    if unknown:
        errors["needs"] = f"Unknown need: {', '.join(unknown)}."
    if data.first_contact_on is not None:
        if data.first_contact_on > today:
            errors["first_contact_on"] = "The first contact date cannot be in the future."
        elif data.referred_on is not None and data.first_contact_on < data.referred_on:
            errors["first_contact_on"] = "First contact cannot be before the referral date."
    return errors


def _referral(user: User, client: Client, data: ReferralInput) -> Referral:
    """A referral from input that ``check_referral`` passed."""
    return Referral(
        organisation_id=client.organisation_id,
        client=client,
        link_worker_id=user.id if user.role == Role.LINK_WORKER.value else None,
        referred_on=data.referred_on,
        source=data.source,
        service=data.service.strip() or None,
        needs=[n.value for n in PresentingNeed if n.value in set(data.needs)],
        reasons=data.reasons.strip() or None,
        status=data.status,
        first_contact_on=data.first_contact_on,
    )


def create_client(
    session: Session, user: User, data: ClientInput, referral: ReferralInput | None = None
) -> Client:
    """Create a client, with their first referral if given; all or nothing."""
    errors = check_client(session, user, data)
    if referral is not None:
        errors.update(check_referral(referral))
    if errors:
        raise ClientError(errors)
    client = Client(
        organisation_id=data.organisation_id,
        reference=data.reference.strip(),
        age_band=data.age_band,
        gender=data.gender,
        ethnic_group=data.ethnic_group,
        area=normalise_area(data.area) or None,
        imd_decile=data.imd_decile,
    )
    session.add(client)
    if referral is not None:
        session.add(_referral(user, client, referral))
    session.flush()
    audit.record(session, "client.create", user=user, obj=client, referral=referral is not None)
    return client


def add_referral(session: Session, user: User, client: Client, data: ReferralInput) -> Referral:
    """Add a referral to an existing client of one of the user's organisations."""
    if client.organisation_id not in user.organisation_ids:
        raise ClientError({"organisation_id": "This client belongs to another organisation."})
    errors = check_referral(data)
    if errors:
        raise ClientError(errors)
    referral = _referral(user, client, data)
    session.add(referral)
    session.flush()
    audit.record(session, "referral.create", user=user, obj=referral)
    return referral


def list_clients(session: Session, user: User, search: str = "", limit: int = 200) -> list[Client]:
    """Clients of the user's organisations, by reference; ``search`` matches part of it."""
    stmt = scoped(select(Client), Client, user).options(selectinload(Client.referrals))
    if search.strip():
        stmt = stmt.where(Client.reference.icontains(search.strip(), autoescape=True))
    return list(session.scalars(stmt.order_by(Client.reference, Client.id).limit(limit)))


def latest_referral(referrals: Iterable[Referral]) -> Referral | None:
    """The most recent referral, or None."""
    return max(referrals, key=lambda r: (r.referred_on, r.id), default=None)
