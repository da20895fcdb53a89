"""Reviewing machine tags: the queue, decisions (audited, never overwriting the machine's
suggestion), missed tags added by hand, and what reviews say about the machine.

Decisions are rows of ``TagReview``; a tag's ``review_state`` follows the latest one.
A change rejects the original tag (its code and polarity kept, so the machine's
suggestion stays on record) and creates a new human tag that is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from spstories.core.tags import Polarity
from spstories.core.vocabulary import ReviewDecision, ReviewState, TagOrigin
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.storage.models import CaseStudy, Code, Codebook, Feedback, Tag, TagReview, User

MACHINE = (TagOrigin.RULE.value, TagOrigin.MODEL.value)
DOCUMENT_TYPES = {"case_study": CaseStudy, "feedback": Feedback}
_FIELDS = {CaseStudy: ("narrative", "outcomes_in_own_words", "client_quote"), Feedback: ("text",)}


class ReviewError(SpstoriesError):
    """A decision that cannot be recorded (unknown code, bad offsets, another org)."""


@dataclass(frozen=True)
class QueueFilters:
    codebook_id: int
    code: str | None = None
    polarity: str | None = None
    origin: str | None = None
    document_type: str | None = None
    state: str | None = ReviewState.SUGGESTED.value
    min_score: float | None = None
    max_score: float | None = None


def queue_query(user: User, filters: QueueFilters) -> Select[tuple[Tag]]:
    """Tags of the user's organisations under ``filters`` (not yet ordered)."""
    stmt = (
        select(Tag)
        .join(Code, Tag.code_id == Code.id)
        .where(Code.codebook_id == filters.codebook_id)
        .where(Tag.organisation_id.in_(user.organisation_ids))
    )
    if filters.code:
        stmt = stmt.where(Code.key == filters.code)
    if filters.polarity:
        stmt = stmt.where(Tag.polarity == filters.polarity)
    if filters.origin:
        stmt = stmt.where(Tag.origin == filters.origin)
    if filters.document_type == "case_study":
        stmt = stmt.where(Tag.case_study_id.is_not(None))
    elif filters.document_type == "feedback":
        stmt = stmt.where(Tag.feedback_id.is_not(None))
    if filters.state:
        stmt = stmt.where(Tag.review_state == filters.state)
    if filters.min_score is not None:
        stmt = stmt.where(Tag.score >= filters.min_score)
    if filters.max_score is not None:
        stmt = stmt.where(Tag.score <= filters.max_score)
    return stmt


def queue(session: Session, user: User, filters: QueueFilters, limit: int = 50) -> list[Tag]:
    """The review queue, newest tags first (see ``training.uncertain_first`` for ordering
    by the model's uncertainty)."""
    stmt = queue_query(user, filters).order_by(Tag.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def document_of(session: Session, tag: Tag) -> CaseStudy | Feedback:
    if tag.case_study_id is not None:
        return session.get_one(CaseStudy, tag.case_study_id)
    return session.get_one(Feedback, tag.feedback_id)


def text_of(session: Session, tag: Tag) -> str:
    return getattr(document_of(session, tag), tag.field) or ""


def visible_tag(session: Session, user: User, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None or tag.organisation_id not in user.organisation_ids:
        raise ReviewError("no such tag")
    return tag


def _code(session: Session, codebook_id: int, key: str) -> Code:
    code = session.scalars(
        select(Code).where(Code.codebook_id == codebook_id, Code.key == key)
    ).first()
    if code is None:
        raise ReviewError(f"the codebook has no code {key!r}")
    return code


def _polarity(value: str | None) -> str:
    if value not in {p.value for p in Polarity}:
        raise ReviewError("choose improved, worsened or unchanged")
    return value  # type: ignore[return-value]


def decide(
    session: Session,
    user: User,
    tag: Tag,
    decision: str,
    *,
    code: str | None = None,
    polarity: str | None = None,
    note: str = "",
) -> TagReview:
    """Record ``decision`` (accept, reject or change) on a tag the user can see."""
    if tag.organisation_id not in user.organisation_ids:
        raise ReviewError("no such tag")
    if decision in (ReviewDecision.ACCEPT, ReviewDecision.REJECT):
        tag.review_state = (
            ReviewState.ACCEPTED if decision == ReviewDecision.ACCEPT else ReviewState.REJECTED
        ).value
        review = TagReview(tag_id=tag.id, decision=decision, user_id=user.id, note=note)
    elif decision == ReviewDecision.CHANGE:
        new_code = _code(session, tag.code.codebook_id, code or tag.code.key)
        new_polarity = _polarity(polarity or tag.polarity)
        if (new_code.id, new_polarity) == (tag.code_id, tag.polarity):
            raise ReviewError("a change needs another code or polarity; accept it instead")
        tag.review_state = ReviewState.REJECTED.value
        replacement = _human_tag(tag, new_code, new_polarity, tag.start_offset,
                                 tag.end_offset, tag.evidence, user)
        session.add(replacement)
        session.flush()
        review = TagReview(tag_id=tag.id, decision=decision, code_id=new_code.id,
                           polarity=new_polarity, new_tag_id=replacement.id,
                           user_id=user.id, note=note)
    else:
        raise ReviewError(f"unknown decision {decision!r}")
    session.add(review)
    session.flush()
    audit.record(session, "tag.review", user=user, obj=tag, decision=str(decision),
                 code=code, polarity=polarity)
    return review


def _human_tag(
    like: Tag, code: Code, polarity: str, start: int, end: int, evidence: str, user: User
) -> Tag:
    return Tag(
        organisation_id=like.organisation_id, client_id=like.client_id,
        case_study_id=like.case_study_id, feedback_id=like.feedback_id, field=like.field,
        code_id=code.id, polarity=polarity, start_offset=start, end_offset=end,
        evidence=evidence, origin=TagOrigin.HUMAN.value, score=1.0,
        review_state=ReviewState.ACCEPTED.value, created_by_id=user.id,
    )


def add_missed(
    session: Session,
    user: User,
    codebook: Codebook,
    document: CaseStudy | Feedback,
    field: str,
    start: int,
    end: int,
    code: str,
    polarity: str,
    note: str = "",
) -> TagReview:
    """A tag the machine missed, on ``document.field[start:end]``, recorded as an add."""
    if document.organisation_id not in user.organisation_ids:
        raise ReviewError("no such document")
    if field not in _FIELDS[type(document)]:
        raise ReviewError(f"{field!r} is not a tagged text field")
    text = getattr(document, field) or ""
    if not 0 <= start < end <= len(text) or not text[start:end].strip():
        raise ReviewError("select a passage of the text first")
    kind = "case_study_id" if isinstance(document, CaseStudy) else "feedback_id"
    template = Tag(organisation_id=document.organisation_id, client_id=document.client_id,
                   field=field, **{kind: document.id})
    tag = _human_tag(template, _code(session, codebook.id, code), _polarity(polarity),
                     start, end, text[start:end], user)
    session.add(tag)
    session.flush()
    review = TagReview(tag_id=tag.id, decision=ReviewDecision.ADD.value, code_id=tag.code_id,
                       polarity=tag.polarity, new_tag_id=tag.id, user_id=user.id, note=note)
    session.add(review)
    session.flush()
    audit.record(session, "tag.review", user=user, obj=tag, decision="add", code=code,
                 polarity=polarity)
    return review


def history(session: Session, tag: Tag) -> list[TagReview]:
    """Every decision on a tag, oldest first."""
    return list(session.scalars(
        select(TagReview).where(TagReview.tag_id == tag.id).order_by(TagReview.id)
    ))
