"""Tagging stored narratives with the current codebook, and re-tagging on a new version."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from spstories.core.codebook import Codebook as CodebookSpec
from spstories.core.corpus.engines import Engine, chunks, engine_from_environment, in_order
from spstories.core.corpus.records import LEARNED_KINDS, TaggerSpec
from spstories.core.corpus.records import tag_texts as tag_batch
from spstories.core.learning.artifacts import newest_model
from spstories.core.tagging import Tagger, build_tagger
from spstories.core.tags import Tag as FoundTag
from spstories.core.vocabulary import ReviewState, TagOrigin
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.codebooks import latest_version, spec_of
from spstories.services.jobs import Progress, register_task
from spstories.services.training import model_tagger, models_root
from spstories.storage.models import CaseStudy, Codebook, Feedback, Tag
from spstories.storage.models.base import utcnow

OUTCOMES_CODEBOOK = "sp-outcomes"
# Which text fields of each document are narratives worth tagging.
TAGGED_FIELDS = {
    CaseStudy: ("narrative", "outcomes_in_own_words", "client_quote"),
    Feedback: ("text",),
}
# Texts per task sent to an engine, and ids per IN (...) (well under SQLite's limit).
TAG_BATCH = 256
ID_CHUNK = 500
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


def tagger_spec_for(codebook: Codebook) -> TaggerSpec:
    """What a Dask worker needs to build the tagger ``tagger_for`` gives here: the stored
    version's YAML and, for a learned tagger, its model directory (which workers must
    see, like the input of ``spstories tag --engine dask``)."""
    _spec, tagger = tagger_for(codebook)
    options: dict[str, Any] = {}
    model_name = getattr(tagger, "model_name", "")
    if tagger.kind in LEARNED_KINDS and model_name:
        root = models_root().resolve()
        options = {"models_dir": str(root), "model": str(root / model_name)}
    return TaggerSpec(codebook.source_yaml, f"{codebook.key} {codebook.version}", tagger.kind,
                      tuple(sorted(options.items())))


def tag_texts(
    codebook: Codebook,
    texts: Sequence[str],
    *,
    engine: Engine | None = None,
    progress: Callable[[int], object] | None = None,
) -> list[list[FoundTag]]:
    """The tags of each text with the stored version's tagger, in order: in this process,
    or in batches on the engine's workers (each builds the same tagger once).
    ``progress(n)`` is called as each batch of ``n`` texts is done."""
    batches = chunks(texts, TAG_BATCH)
    if engine is None or engine.name == "single":
        _spec, tagger = tagger_for(codebook)
        results: Iterable[tuple[int, list[list[FoundTag]]]] = (
            (i, list(tagger.tag_many(batch))) for i, batch in enumerate(batches)
        )
    else:
        results = engine.run(tag_batch, batches, tagger_spec_for(codebook))
    found: list[list[FoundTag]] = []
    for batch in in_order(results):
        found.extend(batch)
        if progress is not None:
            progress(len(batch))
    return found


@dataclass(frozen=True)
class Target:
    """What a stored tag needs of its document (an ORM row or one just bulk-inserted)."""

    column: str  # "case_study_id" or "feedback_id"
    id: int
    organisation_id: int
    client_id: int | None

    @classmethod
    def of(cls, document: CaseStudy | Feedback) -> Target:
        column = "case_study_id" if isinstance(document, CaseStudy) else "feedback_id"
        return cls(column, document.id, document.organisation_id, document.client_id)


def tag_values(
    document: Target, field: str, found: Iterable[FoundTag], codes: dict[str, int]
) -> Iterator[dict[str, Any]]:
    """The column values of the stored tags for ``found`` on one field of a document
    (codes the stored version lacks are left out)."""
    for tag in found:
        code_id = codes.get(tag.code)
        if code_id is None:
            continue
        yield {
            "organisation_id": document.organisation_id,
            "client_id": document.client_id,
            "field": field,
            "code_id": code_id,
            "polarity": str(tag.polarity),
            "start_offset": tag.start,
            "end_offset": tag.end,
            "evidence": tag.evidence,
            "origin": tag.source,
            "score": tag.score,
            document.column: document.id,
        }


def tag_document(
    session: Session, document: CaseStudy | Feedback, codebook: Codebook | None = None
) -> list[Tag]:
    """Replace the machine tags of a document with fresh ones; human tags are kept."""
    codebook = codebook or latest_version(session, OUTCOMES_CODEBOOK)
    if codebook is None:
        return []
    target = Target.of(document)
    session.execute(
        delete(Tag).where(
            getattr(Tag, target.column) == document.id,
            Tag.origin != TagOrigin.HUMAN.value,
            Tag.review_state == ReviewState.SUGGESTED.value,
        )
    )
    codes = {code.key: code.id for code in codebook.codes}
    _spec, tagger = tagger_for(codebook)
    tags = [
        Tag(**values)
        for field in TAGGED_FIELDS[type(document)]
        for values in tag_values(target, field, tagger.tag(getattr(document, field) or ""), codes)
    ]
    session.add_all(tags)
    return tags


def save_machine_tags(
    session: Session,
    units: Sequence[tuple[Target, str]],
    found: Sequence[list[FoundTag]],
    codebook: Codebook,
    *,
    replace: bool = True,
) -> int:
    """Store the tags found on each (document, field) in bulk; with ``replace``, first
    drop those documents' machine suggestions (human and reviewed tags are kept)."""
    if replace:
        for column in ("case_study_id", "feedback_id"):
            ids = sorted({target.id for target, _ in units if target.column == column})
            for chunk in chunks(ids, ID_CHUNK):
                session.execute(
                    delete(Tag).where(
                        getattr(Tag, column).in_(chunk),
                        Tag.origin != TagOrigin.HUMAN.value,
                        Tag.review_state == ReviewState.SUGGESTED.value,
                    ),
                    execution_options={"synchronize_session": False},
                )
    codes = {code.key: code.id for code in codebook.codes}
    now = utcnow()
    rows = [
        {**values, "created_at": now}
        for (target, field), tags in zip(units, found, strict=True)
        for values in tag_values(target, field, tags, codes)
    ]
    for chunk in chunks(rows, ID_CHUNK):
        session.execute(insert(Tag), list(chunk))
    return len(rows)


def documents_to_tag(session: Session) -> list[CaseStudy | Feedback]:
    """Every submitted case study and every item of feedback (drafts wait for submission)."""
    case_studies = session.scalars(select(CaseStudy).where(CaseStudy.status != "draft"))
    return [*case_studies, *session.scalars(select(Feedback))]


def retag_all(
    session: Session,
    codebook: Codebook,
    progress: Callable[[int], object] | None = None,
    *,
    engine: Engine | None = None,
) -> int:
    """Re-tag every document with ``codebook`` (e.g. after a new version); returns the tag
    count. Every text is tagged first (on ``engine`` when given) and the tags are then
    written together, so the slow part holds no write lock; ``progress(n)`` is called as
    ``n`` more documents are tagged."""
    documents = documents_to_tag(session)
    units = [(Target.of(d), f) for d in documents for f in TAGGED_FIELDS[type(d)]]
    texts = [getattr(d, f) or "" for d in documents for f in TAGGED_FIELDS[type(d)]]
    # Texts are tagged in order, so a document is done once its last field is.
    ends = list(accumulate(len(TAGGED_FIELDS[type(d)]) for d in documents))
    seen = reported = 0

    def step(n: int) -> None:
        nonlocal seen, reported
        seen += n
        done = bisect_right(ends, seen)
        if progress is not None and done > reported:
            progress(done - reported)
        reported = done

    found = tag_texts(codebook, texts, engine=engine, progress=step)
    total = save_machine_tags(session, units, found, codebook)
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
        progress(0.95 * done / max(len(documents), 1),
                 f"Tagged {done:,} of {len(documents):,} documents ({where})")

    with engine_from_environment() as engine:
        where = engine.describe()
        progress(0.0, f"Tagging {len(documents):,} documents ({where})")
        tags = retag_all(session, codebook, progress=step, engine=engine)
    progress(0.97, f"Saving {tags:,} tags")
    return {
        "documents": len(documents),
        "tags": tags,
        "codebook": f"{codebook.key} {codebook.version}",
        "engine": where,
    }
