"""Topic runs: gather an organisation's narratives, fit BERTopic, store and save the result."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.corpus.engines import Engine, engine_from_environment
from spstories.core.topics.artifacts import RunRecord, run_folder, save_run
from spstories.core.topics.corpus import (
    SourceText,
    Unit,
    build_units,
    codes_by_unit,
    corpus_hash,
    residual,
)
from spstories.core.topics.model import TopicParams, fit_topics
from spstories.core.topics.promote import add_draft_code, next_draft_version
from spstories.core.topics.results import OUTLIER, summarise
from spstories.errors import SpstoriesError
from spstories.paths import MODELS_DIR
from spstories.services import audit
from spstories.services.codebooks import latest_version, sync_codebook
from spstories.services.jobs import Progress, register_task
from spstories.services.tagging import TAGGED_FIELDS, tag_texts
from spstories.storage.models import CaseStudy, Code, Codebook, Feedback, Tag, TopicRun, User
from spstories.storage.models import Topic as TopicRow

KINDS = {"case_study": CaseStudy, "feedback": Feedback}


def create_run(session: Session, user: User | None, organisation_id: int,
               codebook: Codebook | None, params: TopicParams,
               filters: dict[str, Any]) -> TopicRun:
    """A queued run over one organisation; a user may only run over their own."""
    params.check()
    if user is not None and organisation_id not in user.organisation_ids:
        raise SpstoriesError("you can only find topics in your own organisation's narratives")
    if params.residual and codebook is None:
        raise SpstoriesError("a residual run needs a codebook")
    run = TopicRun(organisation_id=organisation_id, codebook_id=codebook and codebook.id,
                   created_by_id=user and user.id, params=params.to_dict(),
                   filters=filters, seed=params.seed)
    session.add(run)
    session.flush()
    audit.record(session, "topics.create", user=user, organisation_id=organisation_id, obj=run)
    return run


def _on(document: CaseStudy | Feedback) -> date | None:
    if isinstance(document, Feedback):
        return document.received_on
    moment = document.submitted_at or document.created_at
    return moment.date() if moment else None


def gather_sources(session: Session, organisation_id: int,
                   filters: dict[str, Any]) -> list[SourceText]:
    """The text fields of the chosen documents (submitted case studies, feedback)."""
    since = date.fromisoformat(filters["since"]) if filters.get("since") else None
    until = date.fromisoformat(filters["until"]) if filters.get("until") else None
    sources = []
    for kind in filters.get("kinds") or list(KINDS):
        model = KINDS[kind]
        stmt = select(model).where(model.organisation_id == organisation_id)
        if model is CaseStudy:
            stmt = stmt.where(CaseStudy.status != "draft")
        for document in session.scalars(stmt.order_by(model.id)):
            on = _on(document)
            if (since and (on is None or on < since)) or (until and (on is None or on > until)):
                continue
            for field in TAGGED_FIELDS[model]:
                text = getattr(document, field) or ""
                if text.strip():
                    sources.append(SourceText(f"{kind}:{document.id}", field, text, on))
    return sources


def _stored_spans(session: Session, codebook: Codebook, units: Iterable[Unit]
                  ) -> list[tuple[str, str, int, int, str]]:
    """Stored tags (human and machine) from any version of the codebook on these documents."""
    ids: dict[str, set[int]] = {"case_study": set(), "feedback": set()}
    for unit in units:
        kind, doc_id = unit.doc.split(":")
        ids[kind].add(int(doc_id))
    stmt = (select(Tag, Code.key).join(Code, Tag.code_id == Code.id)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .where(Codebook.key == codebook.key,
                   Tag.case_study_id.in_(ids["case_study"]) | Tag.feedback_id.in_(ids["feedback"])))
    return [(f"case_study:{t.case_study_id}" if t.case_study_id else f"feedback:{t.feedback_id}",
             t.field, t.start_offset, t.end_offset, key) for t, key in session.execute(stmt)]


def unit_codes(session: Session, codebook: Codebook, units: list[Unit],
               progress: Progress, engine: Engine | None = None) -> dict[str, set[str]]:
    """Codes on each unit: stored tags overlapping it, plus the codebook's tagger run on it
    (on ``engine`` when given)."""
    found = codes_by_unit(units, _stored_spans(session, codebook, units))
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress(0.1 + 0.2 * done / len(units), f"Tagged {done} of {len(units)} units")

    tagged = tag_texts(codebook, [u.text for u in units], engine=engine, progress=step)
    for unit, tags in zip(units, tagged, strict=True):
        found[unit.id].update(t.code for t in tags)
    return found


def run_topics(session: Session, run: TopicRun, progress: Progress,
               models_dir: Path = MODELS_DIR, engine: Engine | None = None) -> dict[str, Any]:
    """Fit the run's topics, store them on the run and save the run under ``models_dir``;
    the codebook's tagger runs on ``engine`` when given (the topic model in this process)."""
    params = TopicParams.from_dict(run.params)
    codebook = session.get(Codebook, run.codebook_id) if run.codebook_id else None
    progress(0.02, "Reading the narratives")
    units = build_units(gather_sources(session, run.organisation_id, run.filters), params.level)
    codes = unit_codes(session, codebook, units, progress, engine) if codebook else {}
    if params.residual:
        units = residual(units, codes)
    progress(0.3, f"Finding topics in {len(units)} {params.level}s")
    fitted = fit_topics([u.text for u in units], params,
                        lambda f, m: progress(0.3 + 0.6 * f, m))
    summaries = summarise(units, fitted, codes)
    run.topics = [TopicRow(number=s.number, label=s.label[:200], terms=[[w, v] for w, v in s.terms],
                           size=s.size, representatives=s.representatives,
                           over_time=s.over_time, code_overlap=s.code_overlap)
                  for s in summaries]
    run.corpus_size, run.corpus_hash = len(units), corpus_hash(units)
    run.outliers = sum(s.size for s in summaries if s.number == OUTLIER)
    record = RunRecord(str(run.id), params, len(units), run.corpus_hash,
                       codebook and f"{codebook.key} {codebook.version}",
                       describe_filters(run.filters))
    folder = save_run(run_folder(models_dir, str(run.id)), record, fitted, summaries)
    run.model_path = str(folder)
    progress(1.0, f"Found {len(summaries) - (run.outliers > 0)} topics")
    audit.record(session, "topics.fit", organisation_id=run.organisation_id, obj=run,
                 units=len(units), topics=len(summaries))
    return {"run_id": run.id, "units": len(units), "topics": len(summaries) - (run.outliers > 0),
            "outliers": run.outliers, "model_path": str(folder)}


def describe_filters(filters: dict[str, Any]) -> str:
    kinds = " and ".join(k.replace("_", " ") for k in filters.get("kinds") or KINDS)
    span = "".join(f" {w} {filters[k]}" for k, w in (("since", "from"), ("until", "to"))
                   if filters.get(k))
    return f"{kinds}{span}"


@register_task("topics")
def topics_task(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Background job: fit a queued topic run (the web page creates the run first)."""
    run = session.get(TopicRun, int(params["run_id"]))
    if run is None:
        raise SpstoriesError("that topic run no longer exists")
    user = session.get(User, run.created_by_id) if run.created_by_id else None
    if user is not None and run.organisation_id not in user.organisation_ids:
        raise SpstoriesError("the run's organisation is not one of its author's")
    models_dir = Path(params.get("models_dir") or MODELS_DIR)
    if not run.codebook_id:  # nothing to tag
        return run_topics(session, run, progress, models_dir)
    with engine_from_environment() as engine:
        return run_topics(session, run, progress, models_dir, engine)


def visible_runs(session: Session, user: User) -> list[TopicRun]:
    """The user's organisations' runs, newest first."""
    stmt = (select(TopicRun).where(TopicRun.organisation_id.in_(user.organisation_ids))
            .order_by(TopicRun.id.desc()))
    return list(session.scalars(stmt))


def promote_topic(session: Session, user: User | None, topic: TopicRow, *, label: str,
                  definition: str, polarity: str | None = None) -> Codebook:
    """A new version of the run's codebook with this topic as a draft code.

    The examples are the topic's representative texts; the source line names the run,
    so the code's origin stays traceable.
    """
    run = topic.run
    base = session.get(Codebook, run.codebook_id) if run.codebook_id else None
    if base is None:
        raise SpstoriesError("this run used no codebook, so there is none to add a code to")
    latest = latest_version(session, base.key, drafts=True) or base
    taken = set(session.scalars(select(Codebook.version).where(Codebook.key == base.key)))
    version = next_draft_version(latest.version, taken)
    source = f"draft from topic {topic.number} of topic run {run.id} ({topic.label})"
    text, spec, key = add_draft_code(
        latest.source_yaml, version=version, label=label, definition=definition,
        examples=[r["text"] for r in topic.representatives], source=source, polarity=polarity)
    row, _created = sync_codebook(session, spec, text)
    topic.promoted_codebook_id, topic.promoted_code_key = row.id, key
    audit.record(session, "topics.promote", user=user, organisation_id=run.organisation_id,
                 obj=row, run=run.id, topic=topic.number, code=key)
    return row
