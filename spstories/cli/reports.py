"""reports: list impact reports, generate a new version, export a confirmed version.

The same services as the web pages, with the same rules: only managers generate and export,
only for reports within their organisations, consent is checked again at export, and nothing
is exported until a person has confirmed the version's de-identification in the web app.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.orm import Session

from spstories.cli.context import CliContext
from spstories.core.vocabulary import Role
from spstories.services import reports as service
from spstories.services.reports import ReportError
from spstories.storage.models import Report, ReportVersion, User
from spstories.storage.queries import all_organisations, user_by_email

READERS = (Role.MANAGER, Role.RESEARCHER)  # as the web's report pages
WRITERS = (Role.MANAGER,)
EXPORT_FORMATS = ("html", "md", "docx", "pdf")
AUDIENCES = {"internal": "internal use", "anonymised_external": "anonymised external use",
             "named_external": "named external use"}


def _user(session: Session, email: str, allowed: tuple[Role, ...], doing: str) -> User:
    user = user_by_email(session, email)
    if user is None:
        raise ReportError(f"no user with email {email}.")
    if not user.active:
        raise ReportError(f"user {user.email} is deactivated.")
    if not user.has_role(*allowed):
        who = " or ".join(f"{r.value}s" for r in allowed)
        raise ReportError(f"{user.email} is a {user.role}: only {who} can {doing}.")
    return user


def _report(session: Session, user: User, report_id: int) -> Report:
    report = service.get(session, user, report_id)
    if report is not None:
        return report
    if session.get(Report, report_id) is None:
        raise ReportError(f"no report {report_id} (see 'spstories reports list').")
    raise ReportError(f"{user.email} may not use report {report_id}: it covers organisations "
                      "they do not belong to.")


def _version(report: Report, number: int) -> ReportVersion:
    v = service.version(report, number)
    if v is not None:
        return v
    known = ", ".join(str(x.number) for x in report.versions)
    raise ReportError(f"report {report.id} has no version {number} ("
                      + (f"versions: {known}" if known else
                         f"no versions yet: run 'spstories reports generate {report.id}'")
                      + ").")


def _status(report: Report) -> str:
    if not report.versions:
        return "no versions"
    latest = report.versions[-1]
    checked = ("de-identification confirmed" if latest.deid_confirmed_at
               else "de-identification not yet confirmed")
    return f"{len(report.versions)} version(s), latest v{latest.number}: {checked}"


@click.group("reports")
def reports() -> None:
    """Impact reports for commissioners: list, generate a version, export it."""


@reports.command("list")
@click.option("--user", "email", default=None,
              help="Only the reports this manager or researcher can see (default: every report).")
@click.pass_obj
def list_reports(ctx: CliContext, email: str | None) -> None:
    """List reports and the state of their latest version.

    One line each: id, organisation, audience, title, versions.
    """
    with ctx.session() as session:
        if email:
            found = service.list_reports(session, _user(session, email, READERS, "see reports"))
        else:
            found = service.list_all(session)
        slugs = {o.id: o.slug for o in all_organisations(session)}
        if not found:
            click.echo("No reports yet.", err=True)
        for r in found:
            click.echo(f"{r.id}\t{slugs.get(r.organisation_id, '?')}\t{r.audience}\t{r.title}\t"
                       f"{_status(r)}")


@reports.command("generate")
@click.argument("report_id", type=int)
@click.option("--user", "email", required=True, help="Email of the manager generating it.")
@click.option("--threshold", type=click.IntRange(min=1), default=5, show_default=True,
              envvar="SPSTORIES_SMALL_NUMBER_THRESHOLD",
              help="Counts below this are suppressed, as SMALL_NUMBER_THRESHOLD in the app.")
@click.pass_obj
def generate(ctx: CliContext, report_id: int, email: str, threshold: int) -> None:
    """Generate a new version from the report's filters.

    The figures, quotes and case studies are taken from the data as it stands; quotes whose
    consent no longer allows the report's audience are left out, with the reason.
    """
    with ctx.session() as session:
        user = _user(session, email, WRITERS, "generate reports")
        report = _report(session, user, report_id)
        v, left_out = service.generate(session, user, report, threshold=threshold)
        for reason in left_out:
            click.echo(f"Left out: {reason}", err=True)
        click.echo(f"Generated version {v.number} of report {report.id} ({report.title!r}, for "
                   f"{AUDIENCES.get(report.audience, report.audience)}). A manager must check "
                   "and confirm its de-identification in the web app before it can be exported.")


@reports.command("export")
@click.argument("report_id", type=int)
@click.option("--version", "number", type=int, required=True, help="Version number.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write.")
@click.option("--user", "email", required=True, help="Email of the manager exporting it.")
@click.pass_obj
def export(ctx: CliContext, report_id: int, number: int, fmt: str, out: Path,
           email: str) -> None:
    """Export a version, de-identified.

    Refused until a manager has checked and confirmed the version's de-identification in the
    web app, and when consent has changed since the version was generated.
    """
    if not out.parent.is_dir():
        raise ReportError(f"cannot write {out}: no folder {out.parent}.")
    with ctx.session() as session:
        user = _user(session, email, WRITERS, "export reports")
        report = _report(session, user, report_id)
        v = _version(report, number)
        if v.deid_confirmed_at is None:
            raise ReportError(
                f"version {v.number} of report {report.id} cannot be exported: its "
                "de-identification has not been confirmed. A manager must check and confirm "
                f"it in the web app (/reports/{report.id}/v/{v.number}/deid) first.")
        exported = service.export(session, user, v, fmt)
        try:  # inside the transaction: if the file cannot be written, the export is not audited
            out.write_bytes(exported.data)
        except OSError as exc:
            raise ReportError(f"cannot write {out}: {exc.strerror or exc}.") from exc
    click.echo(f"Wrote {out} ({len(exported.data)} bytes): version {v.number} of report "
               f"{report_id}, {fmt}, de-identified.")
