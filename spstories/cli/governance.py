"""Information governance at the command line: the audit log, subject access and erasure.

For staff with access to the server and the database. Each command is audited like the
web pages: the event names the app account given with ``--user`` (checked as the web
checks it) or, without one, the operating-system account that ran the command.
"""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import click
from sqlalchemy.orm import Session

from spstories.cli.context import CliContext
from spstories.services import audit_log, erasure, subject_access
from spstories.storage.models import Client, Organisation, User
from spstories.storage.queries import organisation_by_slug, user_by_email


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"


def _org(session: Session, slug: str) -> Organisation:
    org = organisation_by_slug(session, slug)
    if org is None:
        raise click.ClickException(f"no organisation {slug!r} (see 'spstories orgs list').")
    return org


def _user(session: Session, email: str | None) -> User | None:
    if email is None:
        return None
    user = user_by_email(session, email)
    if user is None or not user.active:
        raise click.ClickException(f"no active user with email {email}.")
    return user


def _client(session: Session, org: Organisation, reference: str) -> Client:
    client = subject_access.find_client(session, org.id, reference)
    if client is None:
        raise click.ClickException(f"no client {reference!r} in {org.name}.")
    return client


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use the form 2026-03-31", param_hint=name) from None


@click.group()
def audit() -> None:
    """The audit trail: export it, check it has not been tampered with."""


@audit.command("export")
@click.option("--org", "slugs", multiple=True, help="Organisation slug (repeat for several; "
              "default: every organisation and the events of none).")
@click.option("--since", help="First day (YYYY-MM-DD), inclusive.")
@click.option("--until", help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--action", help="An action (client.view) or a family of them (client.).")
@click.option("--client", "reference", help="Only events about this client reference.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV file to write.")
@click.pass_obj
def export_log(ctx: CliContext, slugs: tuple[str, ...], since: str | None, until: str | None,
               action: str | None, reference: str | None, out: Path) -> None:
    """Write the audit log, filtered, as CSV (oldest first, with each event's chain hash)."""
    filters = audit_log.LogFilters(action=action, client_reference=reference,
                                   since=_day(since, "--since"), until=_day(until, "--until"))
    with ctx.session() as session:
        orgs = [_org(session, slug).id for slug in slugs] or None
        data, rows = audit_log.export_csv(session, None, filters, operator=_operator(),
                                          organisation_ids=orgs)
        out.write_text(data, encoding="utf-8")
    click.echo(f"Wrote {rows} events to {out}.")


@audit.command("verify")
@click.pass_obj
def verify(ctx: CliContext) -> None:
    """Check the hash chain over the whole audit trail; exit status 1 if it is broken."""
    with ctx.session() as session:
        result = audit_log.verify(session, None, operator=_operator())
    for problem in result.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if result.more_problems:
        click.echo(f"...and {result.more_problems} more problems", err=True)
    click.echo(f"{result.events} events, {result.links} sealed; newest seal {result.head}")
    if not result.ok:
        raise click.ClickException("the audit trail has been changed outside spstories")
    click.echo("Intact.")


@click.command("subject-access")
@click.argument("reference")
@click.option("--org", "slug", required=True, help="The client's organisation (slug).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Zip file to write.")
@click.option("--user", "email", help="The manager or administrator answering the request.")
@click.pass_obj
def subject_access_command(ctx: CliContext, reference: str, slug: str, out: Path,
                           email: str | None) -> None:
    """Write everything held about one client to a zip (UK GDPR Article 15)."""
    with ctx.session() as session:
        client = _client(session, _org(session, slug), reference)
        download = subject_access.export(session, _user(session, email), client,
                                         operator=_operator())
        out.write_bytes(download.data)
    total = sum(download.counts.values())
    click.echo(f"Wrote {out}: {total} records from {len(download.counts)} tables.")


@click.command("erase-client")
@click.argument("reference")
@click.option("--org", "slug", required=True, help="The client's organisation (slug).")
@click.option("--user", "email", help="The manager or administrator erasing.")
@click.option("--confirm", help="The reference again, to confirm without being asked.")
@click.pass_obj
def erase_client(ctx: CliContext, reference: str, slug: str, email: str | None,
                 confirm: str | None) -> None:
    """Erase one client and everything held about them (UK GDPR Article 17)."""
    with ctx.session() as session:
        client = _client(session, _org(session, slug), reference)
        user = _user(session, email)
        plan = erasure.plan(session, user, client)
        click.echo(f"Erasing client {client.reference} removes:")
        for line in plan.lines():
            click.echo(f"  - {line}")
        for e in plan.exports:
            click.echo(f"  ! report {e.report_id} version {e.version} was exported as "
                       f"{e.format} on {e.exported_at:%Y-%m-%d}: copies outside spstories "
                       "must be dealt with by hand")
        typed = confirm if confirm is not None else click.prompt(
            "Type the client's reference to confirm", default="", show_default=False)
        done = erasure.erase(session, user, client, typed, operator=_operator())
    click.echo(f"Erased client {done.reference}: {sum(done.rows.values())} records.")
