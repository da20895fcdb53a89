"""Saved impact reports: create, generate versions, de-identify, confirm, export (audited).

A version is the report as generated on a day; regenerating with the same filters makes a
new version, so a manager can see what changed. Nothing leaves without a person confirming
the de-identification of that version, and every export is in the audit trail with the
consent each quote and case study rests on.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.deid import DeidConfig, Deidentifier, DeidResult
from spstories.core.reports import Report as ReportModel
from spstories.core.reports import to_docx, to_html, to_markdown, to_pdf
from spstories.core.vocabulary import CaseStudyStatus, ConsentLevel
from spstories.errors import SpstoriesError
from spstories.services import audit, evidence
from spstories.services.report_content import Content, ReportFilters, build
from spstories.storage.dashboard_tags import outcome_code_map
from spstories.storage.models import (
    CaseStudy,
    LinkedActivity,
    Report,
    ReportVersion,
    User,
)
from spstories.storage.models.base import utcnow

FORMATS = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "md": ("text/markdown; charset=utf-8", "md"),
}


class ReportError(SpstoriesError):
    """A report action that cannot be done (message for the user)."""


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str
    mimetype: str


def _check(user: User, audience: str, f: ReportFilters) -> ReportFilters:
    if audience not in {a.value for a in ConsentLevel} - {"none"}:
        raise ReportError("Choose who the report is for.")
    orgs = tuple(o for o in f.organisation_ids if o in user.organisation_ids)
    if not orgs:
        raise ReportError("Choose at least one of your organisations.")
    if f.start and f.end and f.start > f.end:
        raise ReportError("The start date is after the end date.")
    return ReportFilters(**{**f.__dict__, "organisation_ids": orgs})


def _audited(f: ReportFilters) -> dict:
    # The terms to de-identify may be names: the trail, which outlives erasure, counts them.
    return {**f.to_json(), "extra_terms": len(f.extra_terms)}


def create(session: Session, user: User, *, title: str, audience: str, background: str,
           filters: ReportFilters) -> Report:
    """A new report (no version yet)."""
    f = _check(user, audience, filters)
    report = Report(organisation_id=f.organisation_ids[0], title=title.strip()[:200],
                    audience=audience, filters=f.to_json(), background=background,
                    created_by_id=user.id)
    session.add(report)
    session.flush()
    audit.record(session, "report.create", user=user, obj=report, filters=_audited(f))
    return report


def update(session: Session, user: User, report: Report, *, title: str, audience: str,
           background: str, filters: ReportFilters) -> Report:
    f = _check(user, audience, filters)
    report.title, report.audience, report.background = title.strip()[:200], audience, background
    report.filters = f.to_json()
    audit.record(session, "report.update", user=user, obj=report, filters=_audited(f))
    return report


def list_reports(session: Session, user: User) -> list[Report]:
    return list(session.scalars(select(Report).where(
        Report.organisation_id.in_(user.organisation_ids)).order_by(Report.updated_at.desc())))


def list_all(session: Session) -> list[Report]:
    """Every report, for an operator with the database (the command line, not the web)."""
    return list(session.scalars(select(Report).order_by(Report.id)))


def get(session: Session, user: User, report_id: int) -> Report | None:
    """The report if it is in the user's organisations and covers none outside them."""
    report = session.get(Report, report_id)
    if report is None or not set(report.filters.get("organisation_ids", [])) <= set(
            user.organisation_ids) or report.organisation_id not in user.organisation_ids:
        return None
    return report


def generate(session: Session, user: User, report: Report, *, threshold: int,
             today: date | None = None) -> tuple[ReportVersion, list[str]]:
    """A new version from the report's filters and the data as it stands."""
    f = ReportFilters.from_json(report.filters)
    content: Content = build(session, user, report.title, ConsentLevel(report.audience),
                             report.background, f, threshold, today or date.today())
    number = max((v.number for v in report.versions), default=0) + 1
    version = ReportVersion(report=report, number=number, filters=f.to_json(),
                            content=content.report.to_dict(),
                            markdown=to_markdown(content.report),
                            consent_basis=content.consent_basis, created_by_id=user.id)
    session.add(version)
    session.flush()
    audit.record(session, "report.generate", user=user, obj=version,
                 organisation_id=report.organisation_id, report_id=report.id, version=number,
                 left_out=content.left_out)
    return version, content.left_out


def version(report: Report, number: int) -> ReportVersion | None:
    return next((v for v in report.versions if v.number == number), None)


def deid_config(session: Session, report: Report) -> DeidConfig:
    """Activity providers of the organisations' case studies and the manager's own terms.

    The service's own name is kept: the report is from it. Providers are removed because a
    small group at a named provider can identify a client.
    """
    f = ReportFilters.from_json(report.filters)
    providers = session.scalars(
        select(LinkedActivity.provider).join(CaseStudy)
        .where(CaseStudy.organisation_id.in_(f.organisation_ids)).distinct()
    )
    return DeidConfig(organisations=tuple(p for p in providers if p and len(p) > 2),
                      places=f.extra_terms,
                      keep_names=report.audience == ConsentLevel.NAMED_EXTERNAL.value)


def deidentify(session: Session, v: ReportVersion) -> tuple[ReportModel, list[DeidResult]]:
    """The version's free text de-identified (one numbering across the report)."""
    model = ReportModel.from_dict(v.content)
    d = Deidentifier(deid_config(session, v.report))
    results = [d.run(text) for text in model.texts()]
    return model.replace_texts([r.text for r in results]), results


def confirm_deid(session: Session, user: User, v: ReportVersion) -> None:
    v.deid_confirmed_by_id, v.deid_confirmed_at = user.id, utcnow()
    _, results = deidentify(session, v)
    audit.record(session, "report.deid_confirm", user=user, obj=v,
                 organisation_id=v.report.organisation_id, report_id=v.report_id,
                 version=v.number, replacements=sum(len(r.replacements) for r in results))


def export(session: Session, user: User, v: ReportVersion, fmt: str) -> Export:
    """The de-identified version in ``fmt``; refused until de-identification is confirmed."""
    if fmt not in FORMATS:
        raise ReportError(f"Unknown format {fmt!r}.")
    if v.deid_confirmed_at is None:
        raise ReportError("Check and confirm the de-identification before exporting.")
    changed = consent_changes(session, user, v)
    if changed:
        raise ReportError("Consent has changed since this version was made ("
                          + "; ".join(changed) + "). Generate a new version.")
    model, _ = deidentify(session, v)
    data = {"html": lambda: to_html(model).encode(), "pdf": lambda: to_pdf(model),
            "docx": lambda: to_docx(model),
            "md": lambda: to_markdown(model, embed_charts=True).encode()}[fmt]()
    mimetype, ext = FORMATS[fmt]
    audit.record(session, "report.export", user=user, obj=v,
                 organisation_id=v.report.organisation_id, report_id=v.report_id,
                 version=v.number, format=fmt, audience=v.report.audience,
                 consent_basis=v.consent_basis)
    slug = "".join(c if c.isalnum() else "-" for c in v.report.title.lower()).strip("-")[:60]
    return Export(data, f"{slug or 'report'}-v{v.number}.{ext}", mimetype)


def consent_changes(session: Session, user: User, v: ReportVersion) -> list[str]:
    """Material in the version whose consent no longer allows the report's audience."""
    audience = ConsentLevel(v.report.audience)
    tag_ids = [b["tag_id"] for b in v.consent_basis if "tag_id" in b]
    items = evidence.search(session, user, evidence.Search(audience=audience), tag_ids=tag_ids,
                            limit=len(tag_ids) or 1)
    problems = [f"quote {i.tag_id}: {i.permission.reason}" for i in items
                if not i.permission.allowed]
    found = {i.tag_id for i in items}
    problems += [f"quote {t}: no longer available" for t in tag_ids if t not in found]
    case_ids = [b["case_study_id"] for b in v.consent_basis if "case_study_id" in b]
    studies = session.scalars(select(CaseStudy).where(CaseStudy.id.in_(case_ids))).all()
    consents = evidence.consent_records(session, (c.client_id for c in studies if c.client_id))
    for cs in studies:
        perm = evidence.permission_for(consents.get(cs.client_id or 0, []), audience, cs.status,
                                       cs.id)
        if not perm.allowed:
            problems.append(f"case study {cs.id}: {perm.reason}")
    return problems


def diff(old: ReportVersion, new: ReportVersion) -> list[str]:
    """A unified diff of two versions' Markdown."""
    return list(difflib.unified_diff(
        old.markdown.splitlines(), new.markdown.splitlines(),
        f"version {old.number}", f"version {new.number}", lineterm="", n=1))


def approved_case_studies(session: Session, user: User) -> list[CaseStudy]:
    """Approved case studies of the user's organisations, newest first, for the builder."""
    return list(session.scalars(select(CaseStudy).where(
        CaseStudy.organisation_id.in_(user.organisation_ids),
        CaseStudy.status == CaseStudyStatus.APPROVED.value).order_by(CaseStudy.id.desc())))


def outcome_choices(session: Session) -> list[tuple[str, str]]:
    """(key, label) of every top-level outcome code, for choosing outcomes to feature."""
    keys = sorted(set(outcome_code_map(session).values()))
    return [(k, k.replace("_", " ").capitalize()) for k in keys]
