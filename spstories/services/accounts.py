"""Organisations, users and logging in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from spstories.core.passwords import MIN_LENGTH, password_problems
from spstories.core.vocabulary import Role
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.storage.models import AuditEvent, Organisation, User, memberships
from spstories.storage.models.base import utcnow
from spstories.storage.queries import all_organisations, organisation_by_slug, user_by_email

MIN_PASSWORD_LENGTH = MIN_LENGTH
# Failures are counted in the audit trail, so the limits hold across every worker process.
MAX_FAILED_LOGINS = 5  # for one email address, then it is locked for LOCKOUT
MAX_FAILED_LOGINS_PER_ADDRESS = 20  # from one client address, across emails (spraying)
LOCKOUT = timedelta(minutes=15)
LOGIN_FAILED_MESSAGE = "Email or password is incorrect."
# The same words whether or not the account exists: unknown emails are locked out too.
LOCKED_MESSAGE = (
    f"Too many failed attempts. Try again in {LOCKOUT.seconds // 60} minutes, "
    "or ask an administrator to unlock the account."
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(SpstoriesError):
    """A user or organisation cannot be created or changed as asked."""


class LoginError(SpstoriesError):
    """Login refused; the message never says whether the account exists."""


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value.strip()))


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80]


def create_organisation(session: Session, name: str, *, actor: User | None = None) -> Organisation:
    name = name.strip()
    if not name:
        raise AccountError("An organisation needs a name.")
    slug = slugify(name)
    if organisation_by_slug(session, slug) is not None:
        raise AccountError(f"An organisation called {name!r} already exists.")
    org = Organisation(name=name, slug=slug)
    session.add(org)
    session.flush()
    audit.record(session, "organisation.create", user=actor, organisation_id=org.id, obj=org)
    return org


def organisations_by_slug(session: Session, slugs: Iterable[str]) -> list[Organisation]:
    """The organisations with these slugs, in order; an unknown one is an ``AccountError``
    that lists the slugs there are."""
    found = []
    for slug in slugs:
        org = organisation_by_slug(session, slug)
        if org is None:
            known = ", ".join(o.slug for o in all_organisations(session)) or "none yet"
            raise AccountError(f"no organisation {slug!r} (known: {known}).")
        found.append(org)
    return found


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse a password the policy does not allow (``core.passwords``), saying why."""
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise AccountError(" ".join(problems))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    organisations: list[Organisation],
    actor: User | None = None,
) -> User:
    """Create an account; email is case-insensitive and unique."""
    email = email.strip().lower()
    if not is_email(email):
        raise AccountError(f"{email!r} is not an email address.")
    if role not in {r.value for r in Role}:
        allowed = ", ".join(r.value for r in Role)
        raise AccountError(f"Unknown role {role!r}; choose one of {allowed}.")
    if not organisations:
        raise AccountError("A user must belong to at least one organisation.")
    if user_by_email(session, email) is not None:
        raise AccountError(f"A user with email {email} already exists.")
    check_password(password, email=email, name=name)
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        password_hash=generate_password_hash(password),
        organisations=list(organisations),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.create",
        user=actor,
        obj=user,
        email=email,
        role=role,
        organisations=[o.slug for o in organisations],
    )
    return user


def update_user(
    session: Session,
    user: User,
    *,
    actor: User | None,
    role: str | None = None,
    organisations: list[Organisation] | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, organisations, status or password, recording what changed."""
    changes: dict[str, object] = {}
    if role is not None and role != user.role:
        if role not in {r.value for r in Role}:
            raise AccountError(f"Unknown role {role!r}.")
        changes["role"] = [user.role, role]
        user.role = role
    if organisations is not None:
        if not organisations:
            raise AccountError("A user must belong to at least one organisation.")
        new = sorted(o.slug for o in organisations)
        if new != sorted(o.slug for o in user.organisations):
            changes["organisations"] = new
            user.organisations = list(organisations)
    if active is not None and active != user.active:
        if not active and actor is not None and user.id == actor.id:
            raise AccountError("You cannot deactivate your own account.")
        changes["active"] = active
        user.active = active
    if password:
        check_password(password, email=user.email, name=user.name)
        user.password_hash = generate_password_hash(password)
        changes["password"] = "reset"  # noqa: S105 - records that it changed, not the value
    if changes:
        audit.record(session, "user.update", user=actor, obj=user, **changes)
    return user


def _failures(session: Session, key: str, value: str, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "login.failed",
            AuditEvent.occurred_at >= since,
            AuditEvent.details[key].as_string() == value,
        )
    )
    return session.scalar(stmt) or 0


def _last_reset(session: Session, email: str) -> datetime | None:
    """When the email last logged in or was unlocked: earlier failures no longer count."""
    stmt = select(func.max(AuditEvent.occurred_at)).where(
        AuditEvent.action.in_(("login", "login.unlock")),
        AuditEvent.details["email"].as_string() == email,
    )
    return session.scalar(stmt)


def failed_logins(session: Session, email: str) -> int:
    """Failed logins for ``email`` that count towards its lockout now."""
    email = email.strip().lower()
    since = utcnow() - LOCKOUT
    reset = _last_reset(session, email)
    if reset is not None:
        reset = reset if reset.tzinfo else reset.replace(tzinfo=since.tzinfo)
        since = max(since, reset)
    return _failures(session, "email", email, since)


def is_locked(session: Session, email: str) -> bool:
    return failed_logins(session, email) >= MAX_FAILED_LOGINS


def authenticate(session: Session, email: str, password: str, *, address: str = "") -> User:
    """Return the active user with these credentials, or raise ``LoginError``.

    Unknown email, wrong password and inactive account give the same message; repeated
    failures for one email, or from one client ``address``, lock it out for a while.
    Every attempt is recorded in the audit trail (the caller commits it either way).
    """
    email = email.strip().lower()
    spraying = bool(address) and _failures(
        session, "address", address, utcnow() - LOCKOUT
    ) >= MAX_FAILED_LOGINS_PER_ADDRESS
    if spraying or is_locked(session, email):
        audit.record(session, "login.locked", email=email, address=address,
                     reason="address" if spraying else "email")
        raise LoginError(LOCKED_MESSAGE)
    user = user_by_email(session, email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        reason = "unknown email" if user is None else "wrong password" if not valid else "inactive"
        audit.record(session, "login.failed", email=email, address=address,
                     reason=reason)
        raise LoginError(LOGIN_FAILED_MESSAGE)
    user.last_login_at = utcnow()
    audit.record(session, "login", user=user, email=email, address=address)
    return user


def unlock(session: Session, admin: User | None, user: User) -> None:
    """Clear a lockout: earlier failed logins of the account no longer count."""
    audit.record(session, "login.unlock", user=admin, obj=user, email=user.email)


def manageable_users(session: Session, admin: User) -> list[User]:
    """Users who share an organisation with the administrator."""
    stmt = (
        select(User)
        .join(memberships, memberships.c.user_id == User.id)
        .where(memberships.c.organisation_id.in_(admin.organisation_ids))
        .distinct()
        .order_by(User.name)
    )
    return list(session.scalars(stmt))


def manageable_user(session: Session, admin: User, user_id: int) -> User | None:
    user = session.get(User, user_id)
    if user is None or not set(user.organisation_ids) & set(admin.organisation_ids):
        return None
    return user


def organisations_for(admin: User, ids: list[int]) -> list[Organisation]:
    """The administrator's own organisations among ``ids``; others are refused."""
    own = {org.id: org for org in admin.organisations}
    unknown = [i for i in ids if i not in own]
    if unknown:
        raise AccountError("You can only assign organisations you belong to.")
    return [own[i] for i in ids]
