"""The audit trail's hash chain, sealed at commit, and the check that changes are audited.

Every committed audit event gets one link in ``audit_chain``: its position in commit order,
the previous link's hash, and its own hash, SHA-256 over the previous hash, the position and
the event as stored. Changing, removing or reordering a sealed event (or its link) breaks the
chain from there on, so tampering by someone with write access to the database, who could
switch the append-only triggers off, shows when ``verify`` walks the chain. Removing the
newest events and their links together leaves a shorter valid chain: ``verify`` prints the
head's hash so information governance staff can note it elsewhere (a monthly report) and
compare later.

Sessions made by ``storage.db.make_session_factory`` seal the events their transaction
added just before it commits, after every other write of the transaction:

- PostgreSQL: a transaction-scoped advisory lock serialises sealing, so two transactions
  never extend the same head. It is taken at commit, after the transaction's other writes,
  and the only rows written under it are the new links, so it cannot deadlock with row locks
  and is held for a few statements.
- SQLite: a transaction that added an event already holds the database's one write lock,
  so no other writer can seal in between.

Positions come from the head under that lock, not from event ids: ids are handed out when
a transaction flushes, which is not the order transactions commit in.

The same hooks note which tables a transaction wrote. A transaction that changed records
without adding an audit event is reported (``unaudited="warn"``, a logged warning) or
refused (``"raise"``, what the web app does under test, so a new page or service that
forgets its audit event fails its tests).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import Connection, event, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from spstories.storage.models import AuditEvent, AuditLink

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_LOCK = 0x5350_4155  # PostgreSQL advisory lock: one transaction seals at a time
_PENDING = "spstories.audit_pending"
_WRITTEN = "spstories.audit_written"
_CHUNK = 500
# Tables whose writes need no event of their own: the trail itself, summaries derived from
# audited records, job bookkeeping (creating a job is audited; its progress is not).
UNAUDITED_TABLES = frozenset({
    "audit_events", "audit_chain", "dashboard_clients", "dashboard_pairs",
    "dashboard_outcomes", "dashboard_stale", "jobs", "alembic_version",
})
EVENTS = AuditEvent.__table__
LINKS = AuditLink.__table__
# The columns a seal covers, in the order hashed. Fixed: changing them would break every
# existing seal, and a column added to the events later is not covered unless a new form
# of seal is introduced for the events after it.
HASHED = tuple(EVENTS.c[name] for name in ("id", "occurred_at", "user_id", "organisation_id",
                                           "action", "object_type", "object_id", "client_id",
                                           "details"))


class UnauditedChange(RuntimeError):
    """A transaction changed records without recording an audit event."""


# --- the chain ---------------------------------------------------------------------------


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:  # PostgreSQL answers in the session's time zone
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def canonical(row: Any) -> bytes:
    """The event as hashed: the ``HASHED`` columns in a fixed form on both databases."""
    return json.dumps(
        [row.id, _moment(row.occurred_at), row.user_id, row.organisation_id, row.action,
         row.object_type, row.object_id, row.client_id, row.details],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    ).encode("utf-8")


def link_hash(prev_hash: str, position: int, row: Any) -> str:
    digest = hashlib.sha256()
    digest.update(f"{prev_hash}\n{position}\n".encode())
    digest.update(canonical(row))
    return digest.hexdigest()


def _head(connection: Connection) -> tuple[int, str]:
    head = connection.execute(
        select(LINKS.c.position, LINKS.c.hash).order_by(LINKS.c.position.desc()).limit(1)
    ).first()
    return (head.position, head.hash) if head else (0, GENESIS)


def seal(connection: Connection, event_ids: Iterable[int]) -> int:
    """Add links for these (flushed, unsealed) events; returns how many were sealed."""
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    position, prev = _head(connection)
    links = []
    for start in range(0, len(ids), _CHUNK):
        rows = connection.execute(
            select(*HASHED).where(EVENTS.c.id.in_(ids[start:start + _CHUNK]))
            .order_by(EVENTS.c.id)
        )
        for row in rows:  # an event a rolled-back savepoint took away is simply not there
            position += 1
            digest = link_hash(prev, position, row)
            links.append({"position": position, "event_id": row.id, "prev_hash": prev,
                          "hash": digest})
            prev = digest
    if links:
        connection.execute(insert(LINKS), links)
    return len(links)


def seal_unsealed(connection: Connection) -> int:
    """Seal every event that has no link yet, in id order (the migration that added the
    chain seals the events recorded before it with this)."""
    unsealed = select(EVENTS.c.id).where(
        ~EVENTS.c.id.in_(select(LINKS.c.event_id))).order_by(EVENTS.c.id)
    return seal(connection, connection.execute(unsealed).scalars())


@dataclass
class Verification:
    """What ``verify`` found: ``ok`` when every event is sealed and every link holds."""

    events: int = 0
    links: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(message)
        else:
            self.more_problems += 1


def _linked_events(connection: Connection) -> Iterator[Any]:
    stmt = (
        select(LINKS.c.position, LINKS.c.prev_hash, LINKS.c.hash.label("link_hash"),
               LINKS.c.event_id, *HASHED)
        .select_from(LINKS.outerjoin(EVENTS, EVENTS.c.id == LINKS.c.event_id))
        .order_by(LINKS.c.position)
        .execution_options(yield_per=2_000)
    )
    yield from connection.execute(stmt)


def verify(connection: Connection) -> Verification:
    """Walk the whole chain and say whether the trail is as it was sealed (on a connection
    whose transaction has added no events: its own are sealed only when it commits)."""
    result = Verification()
    prev, expected = GENESIS, 1
    for row in _linked_events(connection):
        result.links += 1
        if row.position != expected:
            result.problem(f"link {expected} is missing (the chain jumps to {row.position})")
        if row.prev_hash != prev:
            result.problem(f"link {row.position} does not follow the link before it")
        if row.id is None:
            result.problem(f"event {row.event_id} (link {row.position}) has been removed")
        elif link_hash(row.prev_hash, row.position, row) != row.link_hash:
            result.problem(f"event {row.id} (link {row.position}) has been changed")
        prev, expected = row.link_hash, row.position + 1
    result.head = prev
    result.events = connection.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    unsealed = connection.execute(
        select(EVENTS.c.id).where(~EVENTS.c.id.in_(select(LINKS.c.event_id)))
        .order_by(EVENTS.c.id).limit(5)).scalars().all()
    if unsealed:
        result.problem(f"event(s) {', '.join(map(str, unsealed))} are in the trail but were "
                       "never sealed: written around the application")
    return result


# --- the session hooks -------------------------------------------------------------------


def _tables(session: Session) -> Iterator[str]:
    for obj in chain(session.new, session.deleted):
        yield obj.__tablename__
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            yield obj.__tablename__


def install(factory: sessionmaker[Session], *, unaudited: str = "warn") -> None:
    """Seal each transaction's audit events before it commits, and report (``"warn"``) or
    refuse (``"raise"``) a transaction that changed records without an audit event."""
    if unaudited not in ("warn", "raise"):
        raise ValueError("unaudited must be 'warn' or 'raise'")

    def after_flush(session: Session, _context: Any) -> None:
        pending = session.info.setdefault(_PENDING, [])
        pending.extend(o.id for o in session.new if isinstance(o, AuditEvent))
        session.info.setdefault(_WRITTEN, set()).update(_tables(session))

    def on_execute(state: Any) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            name = getattr(table, "name", None) or "(a table)"
            state.session.info.setdefault(_WRITTEN, set()).add(name)

    def before_commit(session: Session) -> None:
        session.flush()
        pending = session.info.pop(_PENDING, [])
        written = session.info.pop(_WRITTEN, set()) - UNAUDITED_TABLES
        if written and not pending:
            message = ("a transaction changed " + ", ".join(sorted(written))
                       + " without recording an audit event")
            if unaudited == "raise":
                raise UnauditedChange(message)
            log.warning(message)
        if pending:
            seal(session.connection(), pending)

    def forget(session: Session, *_: Any) -> None:
        session.info.pop(_PENDING, None)
        session.info.pop(_WRITTEN, None)

    event.listen(factory, "after_flush", after_flush)
    event.listen(factory, "do_orm_execute", on_execute)
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_rollback", forget)
