"""tokens: personal API tokens from the command line (make, list, revoke)."""

from __future__ import annotations

from datetime import date

import click

from spstories.cli.context import CliContext
from spstories.errors import SpstoriesError
from spstories.services import tokens as service
from spstories.storage.models import ApiToken
from spstories.storage.queries import user_by_email


@click.group()
def tokens() -> None:
    """Personal API tokens: make one for a user, list them, revoke one."""


def _user(session, email: str):  # type: ignore[no-untyped-def]
    user = user_by_email(session, email)
    if user is None:
        raise SpstoriesError(f"no user {email}")
    return user


@tokens.command("create")
@click.option("--user", "email", required=True, help="Email of the token's user.")
@click.option("--name", required=True, help="What will use it, e.g. 'Case management sync'.")
@click.option("--expires", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day it works (YYYY-MM-DD); default 90 days, at most a year.")
@click.option("--write", is_flag=True, help="Allow it to add feedback and clients.")
@click.pass_obj
def create(ctx: CliContext, email: str, name: str, expires, write: bool) -> None:  # type: ignore[no-untyped-def]
    """Make a token and print it once: only its hash is kept."""
    expires_on: date | None = expires.date() if expires else None
    with ctx.session() as session:
        made = service.create_token(session, _user(session, email), name,
                                    expires_on=expires_on, can_write=write)
        expires_at = service.aware(made.token.expires_at)
        access = "read and write" if write else "read only"
        click.echo(f"Token {made.token.id} for {email} ({access}, expires "
                   f"{expires_at:%Y-%m-%d}). Copy it now; it is not shown again:", err=True)
        click.echo(made.secret)


@tokens.command("list")
@click.option("--user", "email", default=None, help="Only this user's tokens.")
@click.pass_obj
def list_tokens(ctx: CliContext, email: str | None) -> None:
    """Every token (never the secret): id, user, name, start, access, expiry, last use, state."""
    from sqlalchemy import select

    with ctx.session() as session:
        stmt = select(ApiToken).order_by(ApiToken.id)
        if email:
            stmt = stmt.where(ApiToken.user_id == _user(session, email).id)
        for t in session.scalars(stmt):
            last = service.aware(t.last_used_at)
            expiry = service.aware(t.expires_at)
            click.echo("\t".join([
                str(t.id), t.user.email, t.name, f"{t.prefix}...",
                "write" if t.can_write else "read", f"expires {expiry:%Y-%m-%d}" if expiry else "",
                f"last used {last:%Y-%m-%d %H:%M}" if last else "never used", service.state(t),
            ]))


@tokens.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def revoke(ctx: CliContext, token_id: int) -> None:
    """Revoke a token by its id (see `spstories tokens list`)."""
    with ctx.session() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise SpstoriesError(f"no token {token_id}")
        service.revoke_token(session, token, actor=None)
        click.echo(f"Revoked token {token_id} ({token.name}) of {token.user.email}.")
