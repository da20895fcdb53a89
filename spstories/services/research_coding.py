"""Coding documents, machine suggestions, retrieval, co-occurrence and inter-coder agreement."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from spstories.core import coding_units
from spstories.core.coding_units import Disagreement, Report, Span
from spstories.services.codebooks import latest_version
from spstories.services.research import (
    ResearchError,
    _record,
    coder_for,
    get_document,
    named_coder,
    require_change,
)
from spstories.services.tagging import OUTCOMES_CODEBOOK, tagger_for
from spstories.storage.models import (
    Codebook,
    Coding,
    ProjectCoder,
    ProjectDocument,
    ResearchProject,
    Settlement,
    User,
)


def add_coding(session: Session, user: User, project: ResearchProject, document: ProjectDocument,
               code_keys: list[str], start: int, end: int) -> list[Coding]:
    """The user codes ``text[start:end]`` with each code (a code already there is skipped)."""
    require_change(user, project)
    if document.project_id != project.id:
        raise ResearchError("no such document in this project")
    if not 0 <= start < end <= len(document.text) or not document.text[start:end].strip():
        raise ResearchError("select some text of the document first")
    known = {c.key for c in project.codes}
    unknown = [k for k in code_keys if k not in known]
    if not code_keys or unknown:
        raise ResearchError(f"no code {unknown[0]!r} in this project" if unknown
                            else "choose at least one code")
    coder = coder_for(session, project, user)
    existing = set(session.scalars(select(Coding.code_key).where(
        Coding.document_id == document.id, Coding.coder_id == coder.id,
        Coding.start_offset == start, Coding.end_offset == end)))
    made = [Coding(project_id=project.id, document_id=document.id, code_key=key,
                   start_offset=start, end_offset=end, coder_id=coder.id, origin="human")
            for key in dict.fromkeys(code_keys) if key not in existing]
    session.add_all(made)
    session.flush()
    for coding in made:
        _record(session, "research.coding.add", user, project, coding, code=coding.code_key)
    return made


def remove_coding(session: Session, user: User, project: ResearchProject, coding_id: int) -> None:
    """Remove one of the user's own codings (nobody removes another coder's work)."""
    require_change(user, project)
    coding = session.get(Coding, coding_id)
    if coding is None or coding.project_id != project.id:
        raise ResearchError("no such coding in this project")
    if coding.coder_id != coder_for(session, project, user).id:
        raise ResearchError("you can only remove your own codings")
    _record(session, "research.coding.remove", user, project, coding, code=coding.code_key)
    session.delete(coding)


def codings(session: Session, project: ResearchProject, *, document_id: int | None = None,
            code_key: str | None = None, coder_ids: list[int] | None = None) -> list[Coding]:
    stmt = (select(Coding).options(joinedload(Coding.coder), joinedload(Coding.document))
            .where(Coding.project_id == project.id))
    if document_id is not None:
        stmt = stmt.where(Coding.document_id == document_id)
    if code_key is not None:
        stmt = stmt.where(Coding.code_key == code_key)
    if coder_ids is not None:
        stmt = stmt.where(Coding.coder_id.in_(coder_ids))
    return list(session.scalars(stmt.order_by(Coding.document_id, Coding.start_offset,
                                              Coding.id)))


def code_counts(session: Session, project: ResearchProject) -> dict[str, int]:
    """How many codings (any coder) each code has."""
    stmt = (select(Coding.code_key, func.count()).where(Coding.project_id == project.id)
            .group_by(Coding.code_key))
    return {key: n for key, n in session.execute(stmt)}


def _machine_codebook(session: Session, project: ResearchProject) -> Codebook | None:
    if project.source_codebook_id:
        return session.get(Codebook, project.source_codebook_id)
    return latest_version(session, OUTCOMES_CODEBOOK)


def machine_coder(session: Session, project: ResearchProject) -> ProjectCoder:
    """The rule tagger as a coder: one per codebook version, so exports tell them apart."""
    codebook = _machine_codebook(session, project)
    if codebook is None:
        raise ResearchError("no codebook is stored for the machine tagger")
    return named_coder(session, project, f"spstories rule tagger ({codebook.key} "
                       f"{codebook.version})", "model")


def suggest(session: Session, user: User, project: ResearchProject,
            document: ProjectDocument) -> list[Coding]:
    """Run the rule tagger on the document: its codings are the machine coder's, kept apart."""
    require_change(user, project)
    if document.project_id != project.id:
        raise ResearchError("no such document in this project")
    codebook = _machine_codebook(session, project)
    if codebook is None:
        raise ResearchError("no codebook is stored for the machine tagger")
    coder = machine_coder(session, project)
    session.execute(delete(Coding).where(Coding.document_id == document.id,
                                         Coding.coder_id == coder.id))
    known = {c.key for c in project.codes}
    _spec, tagger = tagger_for(codebook)
    made = {}
    for tag in tagger.tag(document.text):
        if tag.code in known and tag.end > tag.start:
            made[(tag.code, tag.start, tag.end)] = Coding(
                project_id=project.id, document_id=document.id, code_key=tag.code,
                start_offset=tag.start, end_offset=tag.end, coder_id=coder.id, origin="model")
    session.add_all(made.values())
    session.flush()
    _record(session, "research.suggest", user, project, document, coder=coder.name,
            codings=len(made))
    return list(made.values())


def accept(session: Session, user: User, project: ResearchProject, coding_id: int) -> list[Coding]:
    """Take a machine (or any other coder's) coding over as the user's own."""
    require_change(user, project)
    coding = session.get(Coding, coding_id)
    if coding is None or coding.project_id != project.id:
        raise ResearchError("no such coding in this project")
    return add_coding(session, user, project, coding.document, [coding.code_key],
                      coding.start_offset, coding.end_offset)


def co_occurrence(session: Session, project: ResearchProject) -> dict[tuple[str, str], int]:
    """Overlapping codings of two codes in one document, counted (settled codings excluded)."""
    return coding_units.co_occurrence(_spans(codings(session, project)))


def _spans(found: list[Coding]) -> list[Span]:
    return [Span(c.document_id, c.code_key, c.coder_id, c.start_offset, c.end_offset)
            for c in found if not c.settled]


def agreement(session: Session, project: ResearchProject, coder_ids: list[int],
              unit: str = "segment") -> Report:
    """Percent agreement, Cohen's kappa (two coders) and Krippendorff's alpha, per code."""
    found = codings(session, project, coder_ids=coder_ids)
    texts = {c.document_id: c.document.text for c in found}
    try:
        return coding_units.report(texts, _spans(found), coder_ids, unit)
    except ValueError as exc:
        raise ResearchError(str(exc)) from exc


def disagreements(session: Session, project: ResearchProject,
                  coder_ids: list[int]) -> list[Disagreement]:
    """Passages the coders differ on, leaving out those already settled."""
    found = codings(session, project, coder_ids=coder_ids)
    texts = {c.document_id: c.document.text for c in found}
    settled = list(session.scalars(select(Settlement).where(Settlement.project_id == project.id)))
    return [
        d for d in coding_units.disagreements(texts, _spans(found), coder_ids)
        if not any(s.document_id == d.document and s.code_key == d.code
                   and s.start_offset <= d.start and d.end <= s.end_offset for s in settled)
    ]


def settle(session: Session, user: User, project: ResearchProject, document_id: int,
           code_key: str, start: int, end: int, decision: str, note: str = "") -> Settlement:
    """Record the agreed outcome; "code" also records the settled coding itself."""
    require_change(user, project)
    document = get_document(session, project, document_id)
    if document is None or not 0 <= start < end <= len(document.text):
        raise ResearchError("no such passage in this project")
    if decision not in ("code", "not_code"):
        raise ResearchError("decide whether the passage is coded or not")
    settlement = Settlement(project_id=project.id, document_id=document.id, code_key=code_key,
                            start_offset=start, end_offset=end, decision=decision,
                            note=note.strip(), settled_by_id=user.id)
    session.add(settlement)
    if decision == "code":
        session.add(Coding(project_id=project.id, document_id=document.id, code_key=code_key,
                           start_offset=start, end_offset=end, origin="human", settled=True,
                           coder_id=named_coder(session, project, "Agreed coding", "human").id))
    session.flush()
    _record(session, "research.settle", user, project, settlement, code=code_key,
            decision=decision)
    return settlement
