"""The SP Information Standard export: referrals, support offered and outcome scores as CSV.

The cohort is the clients of the chosen organisations with a referral in the period.
Only clients whose consent in force allows anonymised external use are exported, because
record-level data leaves the service (pseudonymised, but about one person per row); the
manifest says how many were left out and why. Nothing free-text about a client leaves:
referral reasons, narratives and notes are not in the files. See
``docs/sp-information-standard.md``.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from spstories.core import sp_standard as spec
from spstories.core.measures import concept_for_scale
from spstories.core.reports.consent import permission
from spstories.core.vocabulary import CaseStudyStatus, ConsentLevel, ReferralStatus
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.evidence import consent_records
from spstories.storage.models import (
    CaseStudy,
    Client,
    MeasureResponse,
    Organisation,
    PseudonymKey,
    Referral,
    User,
)
from spstories.storage.models.base import utcnow

AUDIENCE = ConsentLevel.ANONYMISED_EXTERNAL


class ExportError(SpstoriesError):
    """The export cannot be made as asked."""


@dataclass
class Export:
    """The three files' rows and what was left out."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    excluded: Counter[str] = field(default_factory=Counter)
    clients: int = 0

    def files(self) -> dict[str, str]:
        return {f.name: spec.to_csv(f, self.rows.get(f.name, [])) for f in spec.FILES}


def _key(session: Session, organisation_id: int) -> bytes:
    """The organisation's pseudonym key, made on first use."""
    found = session.get(PseudonymKey, organisation_id)
    if found is None:
        found = PseudonymKey(organisation_id=organisation_id, key=secrets.token_hex(32))
        session.add(found)
        session.flush()
    return bytes.fromhex(found.key)


def check_period(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        raise ExportError("The start date is after the end date.")


def build(session: Session, organisations: list[Organisation], start: date | None = None,
          end: date | None = None) -> Export:
    """Rows of every file for referrals in ``start``-``end`` (inclusive) in ``organisations``."""
    check_period(start, end)
    if not organisations:
        raise ExportError("Choose at least one organisation.")
    names = {o.id: o.name for o in organisations}
    keys = {o.id: _key(session, o.id) for o in organisations}
    stmt = (select(Referral).where(Referral.organisation_id.in_(names))
            .options(selectinload(Referral.client)).order_by(Referral.referred_on, Referral.id))
    if start:
        stmt = stmt.where(Referral.referred_on >= start)
    if end:
        stmt = stmt.where(Referral.referred_on <= end)
    referrals = list(session.scalars(stmt))
    consents = consent_records(session, {r.client_id for r in referrals})
    export = Export()
    allowed: set[int] = set()
    for client_id in sorted({r.client_id for r in referrals}):
        verdict = permission(consents.get(client_id, []), AUDIENCE)
        if verdict.allowed:
            allowed.add(client_id)
        else:
            export.excluded[verdict.reason] += 1
    referrals = [r for r in referrals if r.client_id in allowed]
    export.clients = len(allowed)
    referral_ids = {r.id for r in referrals}

    def person(client: Client) -> str:
        return spec.pseudonym(keys[client.organisation_id], "person", client.id)

    def referral_pseudonym(org_id: int, referral_id: int | None) -> str | None:
        return None if referral_id is None else spec.pseudonym(keys[org_id], "referral",
                                                                referral_id)

    referral_concept, declined_concept = spec.concepts()
    export.rows[spec.REFERRALS.name] = [
        {
            "organisation": names[r.organisation_id], "person_id": person(r.client),
            "referral_id": referral_pseudonym(r.organisation_id, r.id),
            "age_band": r.client.age_band, "gender": r.client.gender,
            "ethnic_group": r.client.ethnic_group, "postcode_district": r.client.area,
            "imd_decile": r.client.imd_decile, "referral_date": r.referred_on,
            "referral_source": r.source, "referral_snomed_code": referral_concept.code,
            "referral_snomed_term": referral_concept.term, "referral_status": r.status,
            "declined_snomed_code": declined_concept.code
            if r.status == ReferralStatus.DECLINED.value else None,
            "needs": ";".join(r.needs or []), "first_contact_date": r.first_contact_on,
            "days_to_first_contact": (r.first_contact_on - r.referred_on).days
            if r.first_contact_on else None,
            "closed_date": r.closed_on,
        }
        for r in referrals
    ]
    export.rows[spec.SUPPORT_OFFERED.name] = _support(session, allowed, names, keys,
                                                      referral_ids, person)
    export.rows[spec.OUTCOME_SCORES.name] = _scores(session, allowed, names, keys, person)
    return export


def _support(session: Session, clients: set[int], names: dict[int, str],
             keys: dict[int, bytes], referral_ids: set[int], person: Any) -> list[dict]:
    stmt = (select(CaseStudy).where(CaseStudy.client_id.in_(sorted(clients)),
                                    CaseStudy.status != CaseStudyStatus.DRAFT.value)
            .options(selectinload(CaseStudy.activities)).order_by(CaseStudy.id))
    rows = []
    for case_study in session.scalars(stmt):
        client = session.get(Client, case_study.client_id)
        key = keys[case_study.organisation_id]
        referral = case_study.referral_id if case_study.referral_id in referral_ids else None
        for activity in case_study.activities:
            rows.append({
                "organisation": names[case_study.organisation_id], "person_id": person(client),
                "referral_id": spec.pseudonym(key, "referral", referral) if referral else None,
                "support_id": spec.pseudonym(key, "support", activity.id),
                "provider": activity.provider, "activity": activity.activity,
                "start_date": activity.started_on,
                "recorded_in": f"case study ({case_study.status})",
            })
    return rows


def _scores(session: Session, clients: set[int], names: dict[int, str],
            keys: dict[int, bytes], person: Any) -> list[dict]:
    stmt = (select(MeasureResponse).where(MeasureResponse.client_id.in_(sorted(clients)))
            .options(selectinload(MeasureResponse.scores))
            .order_by(MeasureResponse.client_id, MeasureResponse.administered_on,
                      MeasureResponse.id))
    rows = []
    people = {c.id: c for c in session.scalars(select(Client).where(
        Client.id.in_(sorted(clients))))}
    for response in session.scalars(stmt):
        for score in sorted(response.scores, key=lambda s: s.id):
            concept = concept_for_scale(response.instrument, score.scale)
            rows.append({
                "organisation": names[response.organisation_id],
                "person_id": person(people[response.client_id]),
                "response_id": spec.pseudonym(keys[response.organisation_id], "response",
                                              response.id),
                "instrument": response.instrument,
                "instrument_version": response.instrument_version,
                "timepoint": response.timepoint, "review_number": response.review_number,
                "assessment_date": response.administered_on,
                "administration_mode": response.administration_mode,
                "modified": response.modified, "scale": score.scale,
                "score": round(score.value, 2), "band": score.band,
                "snomed_code": concept.code if concept else None,
                "snomed_term": concept.term if concept else None,
            })
    return rows


def manifest(export: Export, organisations: list[Organisation], start: date | None,
             end: date | None) -> dict[str, Any]:
    return {
        "standard": spec.STANDARD,
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "organisations": [o.name for o in organisations],
        "referrals_from": start.isoformat() if start else None,
        "referrals_to": end.isoformat() if end else None,
        "consent_rule": "clients whose consent in force allows anonymised external use",
        "clients_exported": export.clients,
        "clients_left_out": dict(sorted(export.excluded.items())),
        "rows": {name: len(export.rows.get(name, [])) for name in
                 (f.name for f in spec.FILES)},
        "documentation": "docs/sp-information-standard.md",
    }


def export_zip(session: Session, organisations: list[Organisation], *, start: date | None,
               end: date | None, actor: User | None) -> tuple[bytes, dict[str, Any]]:
    """The three CSV files and a manifest in one ZIP, audited; returns it and the manifest."""
    export = build(session, organisations, start, end)
    about = manifest(export, organisations, start, end)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in export.files().items():
            archive.writestr(name, text)
        archive.writestr("manifest.json", json.dumps(about, indent=2))
    for org in organisations:
        audit.record(session, "export.sp_standard", user=actor, organisation_id=org.id,
                     start=about["referrals_from"], end=about["referrals_to"],
                     rows=about["rows"], clients=export.clients,
                     left_out=about["clients_left_out"])
    return buffer.getvalue(), about
