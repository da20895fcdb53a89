"""users and orgs: accounts from the command line."""

from __future__ import annotations

from collections.abc import Callable

import click
from sqlalchemy.orm import Session

from spstories.cli.context import CliContext
from spstories.core.vocabulary import Role
from spstories.services.accounts import (
    AccountError,
    create_organisation,
    create_user,
    organisations_by_slug,
    unlock,
    update_user,
)
from spstories.storage.models import User
from spstories.storage.queries import all_organisations, user_by_email


@click.group()
def users() -> None:
    """Create and list user accounts."""


@users.command("create")
@click.option("--email", required=True, help="Login email (case-insensitive).")
@click.option("--name", default="", help="Full name (default: the email).")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="What the person does in spstories.",
)
@click.option(
    "--org", "orgs", required=True, multiple=True, help="Organisation slug; repeat for several."
)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="SPSTORIES_NEW_PASSWORD",
    help="Prompted for when not given.",
)
@click.pass_obj
def create(
    ctx: CliContext, email: str, name: str, role: str, orgs: tuple[str, ...], password: str
) -> None:
    """Create a user who belongs to one or more organisations."""
    with ctx.session() as session:
        organisations = organisations_by_slug(session, orgs)
        user = create_user(
            session,
            email=email,
            name=name,
            role=role,
            password=password,
            organisations=organisations,
        )
        click.echo(f"Created {user.role} {user.email} in {', '.join(orgs)}.")


@users.command("list")
@click.pass_obj
def list_users(ctx: CliContext) -> None:
    """List every account with its role and organisations."""
    from sqlalchemy import select

    with ctx.session() as session:
        for user in session.scalars(select(User).order_by(User.email)):
            status = "" if user.active else " (deactivated)"
            orgs = ",".join(o.slug for o in user.organisations)
            click.echo(f"{user.email}\t{user.role}\t{orgs}{status}")


def _for_user(ctx: CliContext, email: str, change: Callable[[Session, User], object],
              done: str) -> None:
    """Make one audited change to the user with this email, and say so."""
    with ctx.session() as session:
        user = user_by_email(session, email)
        if user is None:
            raise AccountError(f"no user with email {email}.")
        change(session, user)
        click.echo(f"{done} {user.email}.")


@users.command("deactivate")
@click.argument("email")
@click.pass_obj
def deactivate(ctx: CliContext, email: str) -> None:
    """Stop a user logging in (accounts are never deleted: the audit trail refers to them)."""
    _for_user(ctx, email, lambda s, u: update_user(s, u, actor=None, active=False),
              "Deactivated")


@users.command("set-password")
@click.argument("email")
@click.option(
    "--password",
    prompt="New password",
    hide_input=True,
    confirmation_prompt=True,
    envvar="SPSTORIES_NEW_PASSWORD",
    help="Prompted for when not given.",
)
@click.pass_obj
def set_password(ctx: CliContext, email: str, password: str) -> None:
    """Reset a user's password (the same policy as the web app: length, not common)."""
    _for_user(ctx, email, lambda s, u: update_user(s, u, actor=None, password=password),
              "Password changed for")


@users.command("unlock")
@click.argument("email")
@click.pass_obj
def unlock_user(ctx: CliContext, email: str) -> None:
    """Clear a lockout after failed logins, so the person can try again now."""
    _for_user(ctx, email, lambda s, u: unlock(s, None, u), "Unlocked")


@click.group()
def orgs() -> None:
    """Create and list organisations."""


@orgs.command("create")
@click.argument("name")
@click.pass_obj
def create_org(ctx: CliContext, name: str) -> None:
    """Create an organisation (its slug is derived from the name)."""
    with ctx.session() as session:
        org = create_organisation(session, name)
        click.echo(f"Created organisation {org.name} (slug {org.slug}).")


@orgs.command("list")
@click.pass_obj
def list_orgs(ctx: CliContext) -> None:
    """List organisations and their slugs."""
    with ctx.session() as session:
        for org in all_organisations(session):
            click.echo(f"{org.slug}\t{org.name}")
