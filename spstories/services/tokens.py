"""Personal API tokens: made (shown once), listed, revoked, and checked on every API call."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.storage.models import ApiToken, User
from spstories.storage.models.base import utcnow

PREFIX = "spst_"
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)
MAX_NAME = 120
# last_used_at is written at most this often per token, so a busy integration does not
# turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(SpstoriesError):
    """A token cannot be made or revoked as asked; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class TokenRefused(SpstoriesError):
    """An API call's token is missing, unknown, expired, revoked or its user inactive."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once; only its hash is stored


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every stored moment is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def expiry_from(expires_on: date | None, today: date | None = None) -> datetime:
    """The end of ``expires_on`` (UTC), checked; default 90 days on, at most a year."""
    today = today or utcnow().date()
    if expires_on is None:
        expires_on = today + DEFAULT_LIFETIME
    if expires_on <= today:
        raise TokenError("The expiry date must be in the future.", "expires_on")
    if expires_on > today + MAX_LIFETIME:
        raise TokenError("A token can last a year at most; choose an earlier expiry date.",
                         "expires_on")
    return datetime.combine(expires_on, time.max, tzinfo=UTC)


def create_token(session: Session, user: User, name: str, *, expires_on: date | None = None,
                 can_write: bool = False, actor: User | None = None) -> NewToken:
    """A new token for ``user``; ``actor`` is who made it (None: the command line)."""
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name that says what uses it.", "name")
    if len(name) > MAX_NAME:
        raise TokenError(f"Keep the name to {MAX_NAME} characters or fewer.", "name")
    if not user.active:
        raise TokenError(f"{user.email} is deactivated.", "user")
    expires_at = expiry_from(expires_on)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[: len(PREFIX) + 6],
                     token_hash=hash_secret(secret), can_write=can_write,
                     expires_at=expires_at,
                     created_by_id=actor.id if actor is not None else None)
    session.add(token)
    session.flush()
    audit.record(session, "api_token.create", user=actor or user, obj=token,
                 owner_id=user.id, name=name, can_write=can_write,
                 expires_at=expires_at.isoformat())
    return NewToken(token, secret)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id)
    return list(session.scalars(stmt.order_by(ApiToken.id.desc())))


def state(token: ApiToken, now: datetime | None = None) -> str:
    """'active', 'expired' or 'revoked'."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    expires = aware(token.expires_at)
    if expires is not None and expires <= now:
        return "expired"
    return "active"


def revoke_token(session: Session, token: ApiToken, *, actor: User | None) -> ApiToken:
    """Revoke a token for good (``actor`` None: the command line)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, "api_token.revoke", user=actor, obj=token,
                     organisation_id=None, owner_id=token.user_id)
    return token


def own_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


_REFUSALS = {
    "not an spstories token": "The token is not an spstories API token.",
    "unknown": "The token is not known.",
    "expired": "The token has expired.",
    "revoked": "The token has been revoked.",
    "user inactive": "The token's user is deactivated.",
}


def authenticate(session: Session, secret: str, address: str = "") -> ApiToken:
    """The active token whose secret this is, its last use noted; ``TokenRefused`` if none.

    Both are audited, like logins: a refusal as ``api_token.refused`` (the API's failed
    login), a use as ``api_token.use`` whenever the last use is written (at most once a
    minute a token), which also covers calls that end refused or invalid. The caller
    commits either way.
    """
    token = None
    if secret.startswith(PREFIX):
        token = session.scalars(
            select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))
        ).first()
    now = utcnow()
    reason = _refusal(token, secret, now)
    if token is None or reason:
        audit.record(session, "api_token.refused", user=token.user if token else None,
                     obj=token, organisation_id=None, reason=reason, address=address)
        raise TokenRefused(_REFUSALS[reason])
    last = aware(token.last_used_at)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        audit.record(session, "api_token.use", user=token.user, obj=token,
                     organisation_id=None, address=address)
    return token


def _refusal(token: ApiToken | None, secret: str, now: datetime) -> str:
    """Why the token cannot be used (a key of ``_REFUSALS``), or "" if it can."""
    if token is None:
        return "unknown" if secret.startswith(PREFIX) else "not an spstories token"
    found = state(token, now)
    if found != "active":
        return found
    return "" if token.user.active else "user inactive"
