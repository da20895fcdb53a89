"""A small, hand-checked data set for dashboard tests (North: 5 clients; South: 1)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from spstories.services.measures import record_response
from spstories.storage.models import (
    CaseStudy,
    Client,
    Code,
    Codebook,
    Feedback,
    Referral,
    Tag,
)

# SWEMWBS raw 21 -> metric 19.25; raw 28 -> 25.03; raw 35 -> 35.00 (the spec's table).
RAW = {21: [3, 3, 3, 3, 3, 3, 3], 28: [4, 4, 4, 4, 4, 4, 4], 35: [5, 5, 5, 5, 5, 5, 5]}
BASE_DAY, EXIT_DAY, LATE_DAY = date(2025, 3, 1), date(2025, 9, 1), date(2025, 10, 1)


def _answers(raw: int) -> dict[str, int]:
    return {f"q{i + 1}": v for i, v in enumerate(RAW[raw])}


def code_id(db, key: str) -> int:
    return db.scalar(
        select(Code.id).join(Codebook).where(Codebook.key == "sp-outcomes", Code.key == key)
        .order_by(Code.id.desc())
    )


def _tag(db, client, doc, key, polarity, origin="rule", state="suggested", code=None):
    field = {"case_study_id": doc.id} if isinstance(doc, CaseStudy) else {"feedback_id": doc.id}
    db.add(Tag(organisation_id=client.organisation_id, client_id=client.id, **field,
               field="narrative" if isinstance(doc, CaseStudy) else "text",
               code_id=code or code_id(db, key), polarity=polarity, start_offset=0,
               end_offset=5, evidence=f"{client.reference} {key} {polarity}", origin=origin,
               review_state=state))


def build(db, orgs, users) -> dict[str, Client]:
    """c1 improved + story improved; c2 fell + story improved (human); c3 flat + story
    worsened, with a modified later exit; c4 improved at review + story worsened;
    c5 baseline only; s1 in South."""
    made: dict[str, Client] = {}
    plan = [
        ("c1", "north", "gp", date(2025, 1, 10), "female", 21, (28, "exit")),
        ("c2", "north", "gp", date(2025, 2, 10), "female", 28, (21, "exit")),
        ("c3", "north", "self", date(2025, 2, 20), "male", 21, (21, "exit")),
        ("c4", "north", "self", date(2025, 2, 25), "male", 21, (28, "review")),
        ("c5", "north", "vcse", date(2025, 2, 26), "male", 21, None),
        ("s1", "south", "gp", date(2025, 2, 10), "female", 21, (28, "exit")),
    ]
    for ref, org, source, referred, gender, base, follow in plan:
        client = Client(organisation_id=orgs[org].id, reference=ref.upper(), gender=gender,
                        age_band="35-44", imd_decile=2)
        db.add(client)
        db.flush()
        db.add(Referral(organisation_id=client.organisation_id, client_id=client.id,
                        referred_on=referred, source=source, service="Link workers",
                        status="completed" if follow else "accepted",
                        first_contact_on=date.fromordinal(referred.toordinal() + 4)))
        record_response(db, client, instrument_id="swemwbs", answers=_answers(base),
                        timepoint="baseline", administered_on=BASE_DAY)
        if follow:
            raw, timepoint = follow
            record_response(db, client, instrument_id="swemwbs", answers=_answers(raw),
                            timepoint=timepoint, review_number=1 if timepoint == "review" else None,
                            administered_on=EXIT_DAY)
        made[ref] = client
    record_response(db, made["c3"], instrument_id="swemwbs", answers=_answers(35),
                    timepoint="exit", administered_on=LATE_DAY, modified=True,
                    modification_note="read aloud with a 0-10 scale")
    docs = {}
    for ref in ("c1", "c3", "c4", "s1"):
        c = made[ref]
        docs[ref] = Feedback(organisation_id=c.organisation_id, client_id=c.id, source="client",
                             channel="survey", received_on=EXIT_DAY, text="feedback text")
    c2 = made["c2"]
    docs["c2"] = CaseStudy(organisation_id=c2.organisation_id, client_id=c2.id, title="C2",
                           narrative="story", status="approved")
    db.add_all(docs.values())
    db.flush()
    _tag(db, made["c1"], docs["c1"], "confidence", "improved")
    _tag(db, made["c1"], docs["c1"], "loneliness", "improved", state="rejected")
    _tag(db, made["c2"], docs["c2"], "engagement", "improved", origin="human", state="accepted")
    _tag(db, made["c3"], docs["c3"], "loneliness", "worsened", state="accepted")
    _tag(db, made["c4"], docs["c4"], "loneliness", "worsened")
    _tag(db, made["s1"], docs["s1"], "confidence", "improved")
    # a sub-code rolls up to its parent
    finances = db.get(Code, code_id(db, "finances"))
    debt = Code(codebook_id=finances.codebook_id, key="finances.debt", label="Debt",
                parent_key="finances", position=99)
    db.add(debt)
    db.flush()
    _tag(db, made["c1"], docs["c1"], "finances.debt", "improved", code=debt.id)
    db.commit()
    return made
