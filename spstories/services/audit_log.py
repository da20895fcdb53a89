"""Reading the audit trail: filtered and paged for administrators, exported as CSV,
checked for tampering, and the events about one client (subject access).

An administrator sees the events of the organisations they belong to, and the events
without an organisation (logins, account changes) of people in those organisations. An
operator with the database (the command line, ``admin=None``) sees everything.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from spstories.core.audit_words import ACTIONS, describe, object_label
from spstories.services import audit
from spstories.storage import audit_trail
from spstories.storage.models import (
    AuditEvent,
    AuditLink,
    Client,
    Organisation,
    User,
    memberships,
)

PER_PAGE = 50
CSV_COLUMNS = ("id", "occurred_at_utc", "user_email", "user_name", "role", "organisation",
               "action", "description", "object_type", "object_id", "client_reference",
               "details", "chain_position", "chain_hash")


@dataclass(frozen=True)
class LogFilters:
    """What an administrator asked the log for; every field may be left empty."""

    user_id: int | None = None
    organisation_id: int | None = None
    action: str | None = None  # an action, or its family ("client." for every client event)
    object_type: str | None = None
    object_id: int | None = None
    client_reference: str | None = None
    since: date | None = None
    until: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: str(v) if isinstance(v, date) else v
                for f in fields(self) if (v := getattr(self, f.name)) not in (None, "")}


@dataclass(frozen=True)
class Entry:
    """One event as the log page shows it."""

    event: AuditEvent
    who: str
    role: str
    email: str
    organisation: str
    client: str
    description: str
    position: int | None
    hash: str | None

    @property
    def record(self) -> str:
        """The record the event is about, in words (``case study 12``)."""
        return object_label(self.event.object_type, self.event.object_id)

    @property
    def occurred_at(self) -> datetime:
        moment = self.event.occurred_at
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    total: int
    number: int
    pages: int


def _day(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def _scope(admin: User | None, organisation_ids: Sequence[int] | None) -> list[int] | None:
    """The organisations whose events may be read: the administrator's own; for an
    operator, those asked for (None: all)."""
    if admin is not None:
        return admin.organisation_ids
    return list(organisation_ids) if organisation_ids is not None else None


def _visible(orgs: list[int] | None) -> Any:
    if orgs is None:
        return true()
    staff = select(memberships.c.user_id).where(memberships.c.organisation_id.in_(orgs))
    return or_(AuditEvent.organisation_id.in_(orgs),
               and_(AuditEvent.organisation_id.is_(None), AuditEvent.user_id.in_(staff)))


def erased_references(session: Session, client_ids: Iterable[int]) -> dict[int, str]:
    """client id -> the reference an erased client had (kept by the erasure's event)."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    stmt = select(AuditEvent.client_id, AuditEvent.details).where(
        AuditEvent.action == "client.erase", AuditEvent.client_id.in_(ids))
    return {cid: str(details.get("reference", "")) for cid, details in session.execute(stmt)}


def _client_ids(session: Session, orgs: list[int] | None, reference: str) -> list[int]:
    """The clients (present or erased) with this reference, within the scope."""
    wanted = reference.strip().lower()
    stmt = select(Client.id).where(func.lower(Client.reference) == wanted)
    if orgs is not None:
        stmt = stmt.where(Client.organisation_id.in_(orgs))
    erased = select(AuditEvent.client_id).where(
        AuditEvent.action == "client.erase",
        func.lower(AuditEvent.details["reference"].as_string()) == wanted, _visible(orgs))
    return sorted({*session.scalars(stmt), *session.scalars(erased)} - {None})


def _query(session: Session, orgs: list[int] | None, f: LogFilters) -> Select[Any]:
    stmt = select(AuditEvent).where(_visible(orgs))
    if f.user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == f.user_id)
    if f.organisation_id is not None:
        stmt = stmt.where(AuditEvent.organisation_id == f.organisation_id)
    if f.action:
        stmt = stmt.where(AuditEvent.action.startswith(f.action, autoescape=True)
                          if f.action.endswith(".") else AuditEvent.action == f.action)
    if f.object_type:
        stmt = stmt.where(AuditEvent.object_type == f.object_type)
    if f.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == f.object_id)
    if f.client_reference:
        stmt = stmt.where(AuditEvent.client_id.in_(_client_ids(session, orgs,
                                                                 f.client_reference)))
    if f.since:
        stmt = stmt.where(AuditEvent.occurred_at >= _day(f.since))
    if f.until:
        stmt = stmt.where(AuditEvent.occurred_at < _day(f.until + timedelta(days=1)))
    return stmt


def entries(session: Session, events: Sequence[AuditEvent]) -> list[Entry]:
    """The events in plain words, with who, where, which client and the chain link."""
    users = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_({e.user_id for e in events if e.user_id})))}
    orgs = {o.id: o.name for o in session.scalars(select(Organisation).where(
        Organisation.id.in_({e.organisation_id for e in events if e.organisation_id})))}
    client_ids = {e.client_id for e in events if e.client_id}
    clients = dict(session.execute(select(Client.id, Client.reference).where(
        Client.id.in_(client_ids))).all())
    erased = erased_references(session, client_ids - set(clients))
    links = dict(session.execute(select(AuditLink.event_id, AuditLink).where(
        AuditLink.event_id.in_([e.id for e in events]))).all())
    out = []
    for e in events:
        user = users.get(e.user_id) if e.user_id else None
        client = clients.get(e.client_id) if e.client_id else None
        if e.client_id and client is None:
            client = f"{erased.get(e.client_id) or e.client_id} (erased)"
        link = links.get(e.id)
        out.append(Entry(
            event=e, who=user.name if user else "spstories (system or command line)",
            role=user.role if user else "", email=user.email if user else "",
            organisation=orgs.get(e.organisation_id, "") if e.organisation_id else "",
            client=client or "",
            description=describe(e.action, e.object_type, e.object_id, client, e.details),
            position=link.position if link else None, hash=link.hash if link else None))
    return out


def search(session: Session, admin: User | None, f: LogFilters, page: int = 1,
           per_page: int = PER_PAGE) -> Page:
    """One page of the events matching ``f``, newest first."""
    stmt = _query(session, _scope(admin, None), f)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    number = min(max(page, 1), pages)
    events = session.scalars(stmt.order_by(AuditEvent.id.desc())
                             .offset((number - 1) * per_page).limit(per_page)).all()
    return Page(entries(session, events), total, number, pages)


def _csv_row(entry: Entry) -> list[str]:
    e = entry.event
    return [str(e.id), entry.occurred_at.astimezone(UTC).isoformat(), entry.email, entry.who,
            entry.role, entry.organisation, e.action, entry.description, e.object_type or "",
            "" if e.object_id is None else str(e.object_id), entry.client,
            json.dumps(e.details or {}, sort_keys=True, default=str),
            "" if entry.position is None else str(entry.position), entry.hash or ""]


def _safe(cell: str) -> str:
    # A cell starting with = + - @ could run as a formula in a spreadsheet.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def export_csv(session: Session, admin: User | None, f: LogFilters, *,
               operator: str | None = None,
               organisation_ids: Sequence[int] | None = None) -> tuple[str, int]:
    """The matching events as CSV, oldest first (the export is itself audited).

    An operator (``admin=None``) exports ``organisation_ids``' events, or everyone's.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows, last = 0, 0
    stmt = _query(session, _scope(admin, organisation_ids), f).order_by(AuditEvent.id)
    stmt = stmt.limit(1_000)
    while batch := session.scalars(stmt.where(AuditEvent.id > last)).all():
        for entry in entries(session, batch):
            writer.writerow([_safe(c) for c in _csv_row(entry)])
        rows, last = rows + len(batch), batch[-1].id
    audit.record(session, "audit.export", user=admin, rows=rows, filters=f.to_json(),
                 **({"operator": operator, "organisations": organisation_ids}
                    if admin is None else {}))
    return out.getvalue(), rows


def verify(session: Session, user: User | None, *, operator: str | None = None
           ) -> audit_trail.Verification:
    """Walk the hash chain over the whole trail (audited)."""
    result = audit_trail.verify(session.connection())
    audit.record(session, "audit.verify", user=user, ok=result.ok, events=result.events,
                 head=result.head, **({"operator": operator} if operator else {}))
    return result


def action_choices() -> list[tuple[str, str]]:
    """Actions and action families to filter by, in words."""
    families = sorted({a.split(".")[0] + "." for a in ACTIONS if "." in a})
    return ([(f, f"every {f[:-1].replace('_', ' ')} event") for f in families]
            + [(a, f"{a}: {describe(a)}") for a in sorted(ACTIONS)])


def events_about(session: Session, client: Client,
                 objects: dict[str, Iterable[tuple[int, datetime | None]]]) -> list[AuditEvent]:
    """Events about the client: naming them, or one of their records (``objects``: object
    type -> (id, created at) of each record). An event counts only from the record's
    creation on, so a number SQLite gave an erased client's record again is not theirs."""
    since = {("Client", client.id): client.created_at}
    for object_type, rows in objects.items():
        for object_id, created in rows:
            since[(object_type, object_id)] = created
    conditions = [AuditEvent.client_id == client.id]
    for object_type in {t for t, _ in since}:
        ids = [i for t, i in since if t == object_type]
        conditions.append(and_(AuditEvent.object_type == object_type,
                               AuditEvent.object_id.in_(ids)))
    found = session.scalars(select(AuditEvent).where(or_(*conditions))
                            .order_by(AuditEvent.id)).all()

    def mine(e: AuditEvent) -> bool:
        key = ("Client", client.id) if e.client_id == client.id else (e.object_type, e.object_id)
        created = since.get(key)  # type: ignore[arg-type]
        return created is None or _utc(e.occurred_at) >= _utc(created)

    return [e for e in found if mine(e)]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
