"""Tagging stored narratives with the current codebook, and re-tagging on a new version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from spstories.core.codebook import Codebook as CodebookSpec
from spstories.core.learning.artifacts import newest_model
from spstories.core.tagging import Tagger, build_tagger
from spstories.core.vocabulary import ReviewState, TagOrigin
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.codebooks import latest_version, spec_of
from spstories.services.jobs import Progress, register_task
from spstories.services.training import model_tagger, models_root
from spstories.storage.models import CaseStudy, Codebook, Feedback, Tag

OUTCOMES_CODEBOOK = "sp-outcomes"
# Which text fields of each document are narratives worth tagging.
TAGGED_FIELDS = {
    CaseStudy: ("narrative", "outcomes_in_own_words", "client_quote"),
    Feedback: ("text",),
}
_taggers: dict[tuple[str, str, str], tuple[CodebookSpec, Tagger]] = {}


def tagger_for(codebook: Codebook) -> tuple[CodebookSpec, Tagger]:
    """The codebook spec and tagger of a stored codebook version, built once per process
    and model: the newest trained model when there is one (see ``services.training``),
    else the rules."""
    spec = spec_of(codebook)
    newest = newest_model(models_root(), spec.id)
    key = (codebook.key, codebook.version, newest.name if newest else "")
    if key not in _taggers:
        learned = model_tagger(spec) if newest else None
        _taggers[key] = (spec, learned or build_tagger(spec))
    return _taggers[key]


def tag_document(
    session: Session, document: CaseStudy | Feedback, codebook: Codebook | None = None
) -> list[Tag]:
    """Replace the machine tags of a document with fresh ones; human tags are kept."""
    codebook = codebook or latest_version(session, OUTCOMES_CODEBOOK)
    if codebook is None:
        return []
    kind = "case_study_id" if isinstance(document, CaseStudy) else "feedback_id"
    session.execute(
        delete(Tag).where(
            getattr(Tag, kind) == document.id,
            Tag.origin != TagOrigin.HUMAN.value,
            Tag.review_state == ReviewState.SUGGESTED.value,
        )
    )
    codes = {code.key: code.id for code in codebook.codes}
    _spec, tagger = tagger_for(codebook)
    tags = []
    for field in TAGGED_FIELDS[type(document)]:
        text = getattr(document, field) or ""
        for found in tagger.tag(text):
            code_id = codes.get(found.code)
            if code_id is None:
                continue
            tags.append(
                Tag(
                    organisation_id=document.organisation_id,
                    client_id=document.client_id,
                    field=field,
                    code_id=code_id,
                    polarity=str(found.polarity),
                    start_offset=found.start,
                    end_offset=found.end,
                    evidence=found.evidence,
                    origin=found.source,
                    score=found.score,
                    **{kind: document.id},
                )
            )
    session.add_all(tags)
    return tags


def documents_to_tag(session: Session) -> list[CaseStudy | Feedback]:
    """Every submitted case study and every item of feedback (drafts wait for submission)."""
    case_studies = session.scalars(select(CaseStudy).where(CaseStudy.status != "draft"))
    return [*case_studies, *session.scalars(select(Feedback))]


def retag_all(
    session: Session, codebook: Codebook, progress: Callable[[int], object] | None = None
) -> int:
    """Re-tag every document with ``codebook`` (e.g. after a new version); returns tag count."""
    total = 0
    for document in documents_to_tag(session):
        total += len(tag_document(session, document, codebook))
        if progress is not None:
            progress(1)
    audit.record(session, "codebook.retag", obj=codebook, tags=total)
    return total


@register_task("retag")
def retag_task(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Background job: re-tag every document with a stored codebook version."""
    codebook = session.get(Codebook, int(params["codebook_id"]))
    if codebook is None:
        raise SpstoriesError("that codebook version no longer exists")
    documents = documents_to_tag(session)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress(done / max(len(documents), 1), f"Tagged {done} of {len(documents)} documents")

    tags = retag_all(session, codebook, progress=step)
    return {
        "documents": len(documents),
        "tags": tags,
        "codebook": f"{codebook.key} {codebook.version}",
    }
