"""Writing, submitting and approving case studies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.vocabulary import (
    CaseStudyStatus,
    ConsentLevel,
    ConsentMethod,
    ReferralSource,
    Role,
)
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.clients import latest_referral
from spstories.services.tagging import tag_document
from spstories.storage.models import CaseStudy, Client, Consent, LinkedActivity, User
from spstories.storage.models.base import utcnow
from spstories.storage.queries import scoped

EDITABLE = (CaseStudyStatus.DRAFT.value, CaseStudyStatus.RETURNED.value)
_EDITABLE_FIELDS = ("organisation_id", "client_id", "title", "referral_id", "referral_source",
                    "referral_route", "presenting_needs", "needs_notes", "what_matters",
                    "support_given", "narrative", "outcomes_in_own_words", "client_quote")


class CaseStudyError(SpstoriesError):
    """A case study cannot be saved, submitted or reviewed; ``errors`` maps field to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass
class CaseStudyInput:
    """What a link worker typed, as plain values."""

    organisation_id: int
    title: str = ""
    client_reference: str = ""
    referral_source: str = ""
    referral_route: str = ""
    presenting_needs: list[str] = field(default_factory=list)
    needs_notes: str = ""
    what_matters: str = ""
    support_given: str = ""
    activities: list[tuple[str, str, date | None]] = field(default_factory=list)
    narrative: str = ""
    outcomes_in_own_words: str = ""
    client_quote: str = ""
    consent_level: str = ConsentLevel.NONE.value
    consent_given_on: date | None = None
    consent_method: str | None = None
    draft_key: str = ""


def find_client(
    session: Session, user: User, organisation_id: int, reference: str
) -> Client | None:
    stmt = scoped(select(Client), Client, user).where(
        Client.organisation_id == organisation_id, Client.reference == reference.strip()
    )
    return session.scalars(stmt).first()


def _check(
    session: Session, user: User, data: CaseStudyInput, *, complete: bool
) -> tuple[dict[str, str], Client | None]:
    errors: dict[str, str] = {}
    if data.organisation_id not in user.organisation_ids:
        errors["organisation_id"] = "Choose one of your organisations."
    client = None
    if data.client_reference.strip():
        client = find_client(session, user, data.organisation_id, data.client_reference)
        if client is None:
            errors["client_reference"] = (
                f"No client with reference {data.client_reference.strip()!r} in this organisation."
            )
    elif complete:
        errors["client_reference"] = "Enter the client's reference."
    if data.referral_source and data.referral_source not in {s.value for s in ReferralSource}:
        errors["referral_source"] = "Choose where the referral came from."
    for i, (provider, activity, _started) in enumerate(data.activities, start=1):
        if bool(provider.strip()) != bool(activity.strip()):
            errors[f"activities-{i - 1}"] = (
                f"Activity {i}: give both the organisation and the activity."
            )
    if complete:
        if not data.title.strip():
            errors["title"] = "Give the case study a title."
        if not data.narrative.strip():
            errors["narrative"] = "Write the story before submitting."
        if data.consent_level != ConsentLevel.NONE.value:
            if data.consent_given_on is None:
                errors["consent_given_on"] = "Enter the date consent was given."
            elif data.consent_given_on > date.today():
                errors["consent_given_on"] = "The consent date cannot be in the future."
            if data.consent_method not in {m.value for m in ConsentMethod}:
                errors["consent_method"] = "Say how consent was given."
    return errors, client


def _apply(case_study: CaseStudy, data: CaseStudyInput, client: Client | None) -> None:
    case_study.organisation_id = data.organisation_id
    case_study.client_id = client.id if client else None
    case_study.title = data.title.strip() or "Untitled draft"
    referral = latest_referral(client.referrals) if client else None
    case_study.referral_id = referral.id if referral else None
    # The route and source default to what the client's referral says.
    case_study.referral_source = data.referral_source or (referral.source if referral else None)
    case_study.referral_route = data.referral_route
    case_study.presenting_needs = list(data.presenting_needs)
    case_study.needs_notes = data.needs_notes
    case_study.what_matters = data.what_matters
    case_study.support_given = data.support_given
    case_study.narrative = data.narrative
    case_study.outcomes_in_own_words = data.outcomes_in_own_words
    case_study.client_quote = data.client_quote
    wanted = [(p.strip(), a.strip(), d) for p, a, d in data.activities if p.strip() and a.strip()]
    if wanted != [(a.provider, a.activity, a.started_on) for a in case_study.activities]:
        case_study.activities = [
            LinkedActivity(provider=p, activity=a, started_on=d) for p, a, d in wanted
        ]


def _snapshot(case_study: CaseStudy) -> dict[str, object]:
    """What an edit can change, to name (never show) the changes in the audit trail."""
    values: dict[str, object] = {key: getattr(case_study, key) for key in _EDITABLE_FIELDS}
    values["activities"] = [(a.provider, a.activity, a.started_on) for a in case_study.activities]
    return values


def can_edit(user: User, case_study: CaseStudy) -> bool:
    return case_study.status in EDITABLE and (
        case_study.author_id == user.id or user.role == Role.MANAGER.value
    )


def save_draft(
    session: Session, user: User, data: CaseStudyInput, case_study: CaseStudy | None = None
) -> CaseStudy:
    """Create or update a draft; drafts may be incomplete but never invalid."""
    if case_study is not None and not can_edit(user, case_study):
        raise CaseStudyError({"status": "This case study can no longer be edited."})
    errors, client = _check(session, user, data, complete=False)
    if errors:
        raise CaseStudyError(errors)
    if case_study is None and data.draft_key:
        case_study = session.scalars(
            select(CaseStudy).where(
                CaseStudy.author_id == user.id, CaseStudy.draft_key == data.draft_key
            )
        ).first()
        if case_study is not None and not can_edit(user, case_study):
            raise CaseStudyError({"status": "This case study can no longer be edited."})
    created = case_study is None
    if case_study is None:
        case_study = CaseStudy(
            author_id=user.id,
            status=CaseStudyStatus.DRAFT.value,
            draft_key=data.draft_key or None,
        )
        session.add(case_study)
    before = {} if created else _snapshot(case_study)
    _apply(case_study, data, client)
    after = {} if created else _snapshot(case_study)
    changed = sorted(key for key in after if after[key] != before[key])
    session.flush()
    if created:
        audit.record(session, "case_study.create", user=user, obj=case_study)
    elif changed:
        audit.record(session, "case_study.update", user=user, obj=case_study, fields=changed)
    return case_study


def submit(
    session: Session, user: User, data: CaseStudyInput, case_study: CaseStudy | None = None
) -> CaseStudy:
    """Validate completely, save, record consent, tag and send for approval."""
    if case_study is not None and not can_edit(user, case_study):
        raise CaseStudyError({"status": "This case study can no longer be edited."})
    errors, _client = _check(session, user, data, complete=True)
    if errors:
        raise CaseStudyError(errors)
    case_study = save_draft(session, user, data, case_study)
    case_study.status = CaseStudyStatus.SUBMITTED.value
    case_study.submitted_at = utcnow()
    if data.consent_level != ConsentLevel.NONE.value or not _consents(session, case_study):
        session.add(
            Consent(
                organisation_id=case_study.organisation_id,
                client_id=case_study.client_id,
                case_study_id=case_study.id,
                level=data.consent_level,
                given_on=data.consent_given_on or date.today(),
                method=data.consent_method or ConsentMethod.VERBAL.value,
                recorded_by_id=user.id,
                notes=None
                if data.consent_level != ConsentLevel.NONE.value
                else "No consent to use beyond the client's record.",
            )
        )
    session.flush()
    tags = tag_document(session, case_study)
    audit.record(
        session,
        "case_study.submit",
        user=user,
        obj=case_study,
        tags=len(tags),
        consent=data.consent_level,
    )
    return case_study


def _consents(session: Session, case_study: CaseStudy) -> list[Consent]:
    stmt = select(Consent).where(Consent.case_study_id == case_study.id)
    return list(session.scalars(stmt.order_by(Consent.id)))


def consent_for(session: Session, case_study: CaseStudy) -> Consent | None:
    """The case study's consent in force: the latest not withdrawn."""
    current = [c for c in _consents(session, case_study) if c.withdrawn_at is None]
    return current[-1] if current else None


def approve(session: Session, manager: User, case_study: CaseStudy) -> CaseStudy:
    if case_study.status != CaseStudyStatus.SUBMITTED.value:
        raise CaseStudyError({"status": "Only a submitted case study can be approved."})
    case_study.status = CaseStudyStatus.APPROVED.value
    case_study.reviewed_by_id = manager.id
    case_study.reviewed_at = utcnow()
    case_study.review_comment = None
    audit.record(session, "case_study.approve", user=manager, obj=case_study)
    return case_study


def return_for_changes(
    session: Session, manager: User, case_study: CaseStudy, comment: str
) -> CaseStudy:
    if case_study.status != CaseStudyStatus.SUBMITTED.value:
        raise CaseStudyError({"status": "Only a submitted case study can be returned."})
    if not comment.strip():
        raise CaseStudyError({"comment": "Say what needs to change."})
    case_study.status = CaseStudyStatus.RETURNED.value
    case_study.reviewed_by_id = manager.id
    case_study.reviewed_at = utcnow()
    case_study.review_comment = comment.strip()
    # The comment stays on the case study: the trail holds no free text (it outlives erasure).
    audit.record(session, "case_study.return", user=manager, obj=case_study)
    return case_study


def list_case_studies(
    session: Session, user: User, status: str | None = None, mine: bool = False
) -> list[CaseStudy]:
    stmt = scoped(select(CaseStudy), CaseStudy, user)
    if status:
        stmt = stmt.where(CaseStudy.status == status)
    if mine:
        stmt = stmt.where(CaseStudy.author_id == user.id)
    return list(session.scalars(stmt.order_by(CaseStudy.updated_at.desc()).limit(500)))
