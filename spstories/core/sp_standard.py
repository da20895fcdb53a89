"""The Social Prescribing Information Standard export: its files, columns and codes (pure).

Three CSV files follow the standard's minimum data set (person demographics, needs and
concerns, support offered, outcomes): ``referrals.csv``, ``support_offered.csv`` and
``outcome_scores.csv``. Every column is listed here with its meaning, and
``docs/sp-information-standard.md`` documents the same columns field by field (a test keeps
the two in step). SNOMED CT concepts come from ``spstories/core/data/snomed.yaml`` only.

People and records are named by pseudonyms: keyed hashes that stay the same from one export
to the next (so a data team can link quarters) but cannot be turned back into a reference
without the key, which never leaves spstories.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from spstories.core.measures.snomed import SnomedConcept, load_snomed_concepts

STANDARD = "PRSB Social Prescribing Information Standard v1.1 (minimum data set)"
REFERRAL_CONCEPT = "referral_to_social_prescribing"
DECLINED_CONCEPT = "social_prescribing_declined"


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str


@dataclass(frozen=True)
class ExportFile:
    name: str
    section: str  # the standard's minimum data set section(s) it carries
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


_PERSON = Column("person_id", "pseudonym of the person (the same in every file and export)")
_REFERRAL = Column("referral_id", "pseudonym of the referral")

REFERRALS = ExportFile("referrals.csv", "Person demographics; Needs and concerns; Referral", (
    Column("organisation", "the social prescribing service that holds the record"),
    _PERSON,
    _REFERRAL,
    Column("age_band", "age band at referral"),
    Column("gender", "gender as recorded"),
    Column("ethnic_group", "ONS 2021 high-level ethnic group"),
    Column("postcode_district", "outward code of the postcode only"),
    Column("imd_decile", "Index of Multiple Deprivation decile (1 most deprived)"),
    Column("referral_date", "date of the referral"),
    Column("referral_source", "who referred"),
    Column("referral_snomed_code", "SNOMED CT concept of a referral to social prescribing"),
    Column("referral_snomed_term", "its term"),
    Column("referral_status", "offered, accepted, declined or completed"),
    Column("declined_snomed_code", "SNOMED CT 'social prescribing declined' when declined"),
    Column("needs", "needs and concerns at referral, semicolon-separated"),
    Column("first_contact_date", "date the link worker first made contact"),
    Column("days_to_first_contact", "days from referral to first contact"),
    Column("closed_date", "date the referral was closed"),
))

SUPPORT_OFFERED = ExportFile("support_offered.csv", "Support offered (referred-to activities)", (
    Column("organisation", "the social prescribing service"),
    _PERSON,
    _REFERRAL,
    Column("support_id", "pseudonym of this item of support"),
    Column("provider", "the community group or service the person was linked to"),
    Column("activity", "the activity or service offered"),
    Column("start_date", "date the person started"),
    Column("recorded_in", "the record it comes from (case study) and its review state"),
))

OUTCOME_SCORES = ExportFile("outcome_scores.csv", "Outcomes", (
    Column("organisation", "the social prescribing service"),
    _PERSON,
    Column("response_id", "pseudonym of the administration"),
    Column("instrument", "outcome measure (swemwbs, wemwbs, ons4, who5, ucla3, mycaw, ...)"),
    Column("instrument_version", "version of the instrument"),
    Column("timepoint", "baseline, review or exit"),
    Column("review_number", "number of the review (reviews only)"),
    Column("assessment_date", "date the measure was administered"),
    Column("administration_mode", "self_completed, read_aloud or phone"),
    Column("modified", "true when the administration was modified (never pool silently)"),
    Column("scale", "the scale scored"),
    Column("score", "the score on that scale"),
    Column("band", "the band of the score, where the instrument has bands"),
    Column("snomed_code", "SNOMED CT concept that records this score, where one is mapped"),
    Column("snomed_term", "its term"),
))

FILES = (REFERRALS, SUPPORT_OFFERED, OUTCOME_SCORES)


def pseudonym(key: bytes, kind: str, identifier: int | str) -> str:
    """A stable keyed pseudonym (HMAC-SHA256, 16 hex digits) for one record of ``kind``."""
    digest = hmac.new(key, f"{kind}:{identifier}".encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def concepts() -> tuple[SnomedConcept, SnomedConcept]:
    """The referral and declined concepts from the one mapping file."""
    found = load_snomed_concepts()
    return found[REFERRAL_CONCEPT], found[DECLINED_CONCEPT]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # A cell starting with = + @ (or a tab or CR) could run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "@", "\t", "\r") else text


def to_csv(spec: ExportFile, rows: Iterable[Mapping[str, Any]]) -> str:
    """The file's header and rows (each a mapping of column name to value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(spec.header)
    for row in rows:
        unknown = set(row) - set(spec.header)
        if unknown:
            raise ValueError(f"{spec.name}: no column {sorted(unknown)[0]!r}")
        writer.writerow([_cell(row.get(name)) for name in spec.header])
    return out.getvalue()
