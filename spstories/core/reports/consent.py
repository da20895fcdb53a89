"""Whose words may go in which report: the consent in force and what it allows (pure).

The consent in force for a quote is the latest (by recording order) not withdrawn. A case
study's own consent overrides the client's; once a case study has consent records of its
own, withdrawing them withdraws the case study: the client-level consent does not come back
into force for it, because the client said no to *this* story.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from spstories.core.vocabulary import ConsentLevel

AUDIENCES = (ConsentLevel.INTERNAL, ConsentLevel.ANONYMISED_EXTERNAL, ConsentLevel.NAMED_EXTERNAL)


@dataclass(frozen=True)
class ConsentRecord:
    id: int
    level: str
    given_on: date
    case_study_id: int | None = None
    withdrawn: bool = False


@dataclass(frozen=True)
class Permission:
    """Whether material may be used for an audience, and the reason shown either way."""

    allowed: bool
    reason: str
    consent_id: int | None = None
    level: str | None = None

    @property
    def basis(self) -> str:
        """What the use rests on, for the audit trail and the report's notes."""
        if self.consent_id is None:
            return "none"
        return f"consent {self.consent_id}: {ConsentLevel(self.level).label.lower()}"


def consent_in_force(
    records: Sequence[ConsentRecord], case_study_id: int | None = None
) -> tuple[ConsentRecord | None, str]:
    """The record in force for a case study (or, with None, for feedback), and why not."""
    ordered = sorted(records, key=lambda r: r.id)
    if case_study_id is not None:
        own = [r for r in ordered if r.case_study_id == case_study_id]
        if own:
            current = [r for r in own if not r.withdrawn]
            return (current[-1], "") if current else (None, "Consent for this case study "
                                                      "was withdrawn.")
    client = [r for r in ordered if r.case_study_id is None]
    current = [r for r in client if not r.withdrawn]
    if current:
        return current[-1], ""
    if client:
        return None, "The client withdrew consent."
    return None, "No consent recorded."


def permission(
    records: Sequence[ConsentRecord], audience: ConsentLevel, case_study_id: int | None = None
) -> Permission:
    """May this client's material (from this case study) be used in a report for ``audience``?"""
    record, why = consent_in_force(records, case_study_id)
    if record is None:
        return Permission(False, why)
    level = ConsentLevel(record.level)
    if level.allows(audience):
        return Permission(True, f"{level.label} (given {record.given_on:%d %b %Y})", record.id,
                          level.value)
    if level is ConsentLevel.NONE:
        return Permission(False, "The client did not consent to any use.", record.id, level.value)
    wanted = audience.label.lower()
    return Permission(False, f"Consent is for {level.label.lower()}; this use needs {wanted}.",
                      record.id, level.value)
