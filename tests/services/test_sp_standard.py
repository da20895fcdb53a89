"""The SP Information Standard export: its files' columns, codes, pseudonyms and consent."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from spstories.core import sp_standard as spec
from spstories.core.measures import load_snomed_concepts
from spstories.services import sp_standard
from spstories.storage.models import Consent
from tests.api_data import build

DOC = Path(__file__).resolve().parents[2] / "docs" / "sp-information-standard.md"


@pytest.fixture
def shared(db, orgs, users):
    """The API records, with N-001 and N-002 now consenting to anonymised external use."""
    records = build(db, orgs, users)
    for consent in db.scalars(select(Consent).where(Consent.case_study_id.is_(None))):
        if consent.organisation_id == orgs["north"].id:
            consent.level = "anonymised_external"
    db.commit()
    return records


def _files(db, orgs, **period):
    data, about = sp_standard.export_zip(db, [orgs["north"]], actor=None,
                                         start=period.get("start"), end=period.get("end"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        tables = {f.name: list(csv.DictReader(io.StringIO(archive.read(f.name).decode())))
                  for f in spec.FILES}
        headers = {f.name: archive.read(f.name).decode().splitlines()[0] for f in spec.FILES}
    return tables, headers, about


def test_the_files_have_the_documented_columns_and_the_mapped_codes(db, orgs, shared):
    tables, headers, about = _files(db, orgs)
    for f in spec.FILES:
        assert headers[f.name] == ",".join(f.header)
    concepts = load_snomed_concepts()
    referrals = tables["referrals.csv"]
    assert len(referrals) == 2 and about["clients_exported"] == 2
    assert {r["referral_snomed_code"] for r in referrals} == \
        {concepts["referral_to_social_prescribing"].code} == {"871731000000106"}
    declined = [r for r in referrals if r["referral_status"] == "declined"]
    assert [r["declined_snomed_code"] for r in declined] == ["871711000000103"]
    assert all(r["declined_snomed_code"] == "" for r in referrals if r not in declined)
    assert {r["needs"] for r in referrals} == {"loneliness"}
    assert {r["days_to_first_contact"] for r in referrals} == {"4"}
    assert {r["postcode_district"] for r in referrals} == {"M14"}
    support = tables["support_offered.csv"]
    assert {(s["provider"], s["activity"]) for s in support} == \
        {("Riverside Walking Group", "Weekly walks")}
    assert {s["recorded_in"] for s in support} == {"case study (approved)",
                                                   "case study (submitted)"}
    scores = tables["outcome_scores.csv"]
    metric = [s for s in scores if s["scale"] == "swemwbs_metric"]
    assert [(s["timepoint"], s["score"]) for s in metric] == [("baseline", "19.98"),
                                                             ("exit", "23.21")]
    assert {s["snomed_code"] for s in metric} == {"718466001"}
    assert {s["snomed_code"] for s in scores if s["scale"] == "swemwbs_raw"} == {""}


def test_people_carry_stable_pseudonyms_never_references(db, orgs, shared):
    first, _, _ = _files(db, orgs)
    again, _, _ = _files(db, orgs)
    people = {r["person_id"] for r in first["referrals.csv"]}
    assert people == {r["person_id"] for r in again["referrals.csv"]}
    assert all(re.fullmatch(r"[0-9a-f]{16}", p) for p in people)
    assert {s["person_id"] for s in first["outcome_scores.csv"]} <= people
    text = str(first)
    assert "N-001" not in text and "N-002" not in text
    assert "Barraclough" not in text and "lonely." not in text  # no narrative, no reasons
    # The referral pseudonym links support offered to its referral.
    referral_ids = {r["referral_id"] for r in first["referrals.csv"]}
    assert {s["referral_id"] for s in first["support_offered.csv"]} <= referral_ids


def test_clients_without_consent_for_external_use_are_left_out_and_counted(db, orgs, shared):
    consent = db.scalars(select(Consent).where(
        Consent.client_id == shared["north_client_no_consent"],
        Consent.case_study_id.is_(None))).one()
    consent.level = "internal"
    db.commit()
    tables, _, about = _files(db, orgs)
    assert len(tables["referrals.csv"]) == 1
    assert about["clients_left_out"] == {
        "Consent is for internal use only; this use needs anonymised external use.": 1}


def test_the_period_selects_referrals(db, orgs, shared):
    from tests.api_data import REFERRED

    tables, _, about = _files(db, orgs, start=REFERRED, end=REFERRED)
    assert len(tables["referrals.csv"]) == 2
    later, _, _ = _files(db, orgs, start=REFERRED.replace(year=REFERRED.year + 1))
    assert later["referrals.csv"] == [] and later["outcome_scores.csv"] == []
    assert about["referrals_from"] == REFERRED.isoformat()


def test_cells_that_could_run_as_formulas_are_defused():
    text = spec.to_csv(spec.SUPPORT_OFFERED, [{"provider": "=HYPERLINK(1)", "activity": "+1"}])
    assert "'=HYPERLINK(1)" in text and "'+1" in text
    with pytest.raises(ValueError, match="no column"):
        spec.to_csv(spec.SUPPORT_OFFERED, [{"colour": "red"}])


def test_every_column_is_documented_field_by_field():
    doc = DOC.read_text(encoding="utf-8")
    for f in spec.FILES:
        section = doc.split(f"## `{f.name}`", 1)
        assert len(section) == 2, f"docs/sp-information-standard.md has no section {f.name}"
        table = section[1].split("\n## ", 1)[0]
        documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
        assert documented == f.header, f.name
