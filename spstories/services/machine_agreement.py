"""How far to trust the machine: its tags against human-confirmed tags, per code.

A unit is one text field of one document whose machine tags have all been reviewed.
The machine's labels there are every rule or model tag it made; the human labels are
every accepted tag (machine tags people accepted, and tags people changed or added).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.agreement import cohen_kappa
from spstories.core.evaluation import EvaluationReport, Score, evaluate
from spstories.core.vocabulary import ReviewState, TagOrigin
from spstories.services.codebooks import spec_of
from spstories.storage.models import Code, Codebook, Tag, User

MACHINE = {TagOrigin.RULE.value, TagOrigin.MODEL.value}


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    score: Score
    kappa: float | None
    machine: int
    confirmed: int


@dataclass(frozen=True)
class MachineAgreement:
    units: int
    report: EvaluationReport | None
    codes: list[CodeAgreement]
    pending: int


def machine_agreement(session: Session, user: User, codebook: Codebook) -> MachineAgreement:
    """Precision, recall, F1 and Cohen's kappa of machine against human, per code, over
    the fully reviewed texts of the user's organisations."""
    spec = spec_of(codebook)
    rows = session.execute(
        select(Tag, Code.key)
        .join(Code, Tag.code_id == Code.id)
        .where(Code.codebook_id == codebook.id)
        .where(Tag.organisation_id.in_(user.organisation_ids))
    )
    machine: dict[tuple, set] = defaultdict(set)
    human: dict[tuple, set] = defaultdict(set)
    reviewed: set[tuple] = set()
    pending: set[tuple] = set()
    for tag, key in rows:
        unit = (tag.case_study_id, tag.feedback_id, tag.field)
        pair = (spec.rollup(key) if key in {c.id for c in spec.codes} else key, tag.polarity)
        if tag.origin in MACHINE:
            machine[unit].add(pair)
            if tag.review_state == ReviewState.SUGGESTED.value:
                pending.add(unit)
        if tag.review_state != ReviewState.SUGGESTED.value:
            reviewed.add(unit)
        if tag.review_state == ReviewState.ACCEPTED.value:
            human[unit].add(pair)
    units = sorted(reviewed - pending, key=str)
    if not units:
        return MachineAgreement(0, None, [], len(pending))
    keys = [str(u) for u in units]
    report = evaluate(
        {k: machine[u] for k, u in zip(keys, units, strict=True)},
        {k: human[u] for k, u in zip(keys, units, strict=True)},
    )
    codes = []
    for code in sorted(report.codes):
        m = [any(c == code for c, _ in machine[u]) for u in units]
        h = [any(c == code for c, _ in human[u]) for u in units]
        codes.append(CodeAgreement(code, report.codes[code], cohen_kappa(m, h), sum(m), sum(h)))
    return MachineAgreement(len(units), report, codes, len(pending))
