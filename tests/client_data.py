"""One client with a record in every table that can hold client data, made through the
services as the app makes them; each free-text field carries a marker word so tests can
look for the client's words anywhere in the database (subject access and erasure tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.vocabulary import ConsentLevel
from spstories.services import audit, evidence, measures, reports, research, research_coding
from spstories.services.case_studies import CaseStudyInput, approve, submit
from spstories.services.clients import ClientInput, ReferralInput, create_client
from spstories.services.feedback import FeedbackInput, record_feedback
from spstories.services.report_content import ReportFilters
from spstories.services.review import decide
from spstories.services.topics import promote_topic
from spstories.storage.models import (
    CaseStudy,
    Client,
    Codebook,
    Consent,
    Feedback,
    Organisation,
    ProjectDocument,
    Report,
    ResearchProject,
    Tag,
    Topic,
    TopicRun,
    User,
)


@dataclass
class Made:
    client: Client
    case_study: CaseStudy
    feedback: Feedback
    tags: list[Tag]
    project: ResearchProject
    report: Report
    run: TopicRun
    marker: str


def _answers(total_per_item: int) -> dict[str, int]:
    return {f"q{i}": total_per_item for i in range(1, 8)}


def make_client(db: Session, org: Organisation, users: dict[str, User], marker: str,
                reference: str, run: TopicRun | None = None,
                project: ResearchProject | None = None) -> Made:
    """A client of ``org`` with everything; ``marker`` is in every text they gave or that
    is about them. ``run``/``project`` are shared with another client when given."""
    lw, manager, researcher = users["link_worker"], users["manager"], users["researcher"]
    client = create_client(
        db, lw, ClientInput(org.id, reference, age_band="35-44", area="M14"),
        ReferralInput(date(2025, 1, 6), "gp", service="Walking group",
                      needs=["loneliness"], reasons=f"Isolated after a move {marker}"))
    db.add(Consent(organisation_id=org.id, client_id=client.id, level="anonymised_external",
                   given_on=date(2025, 1, 6), method="written", recorded_by_id=lw.id,
                   notes=f"Signed form {marker}"))
    measures.record_response(db, client, instrument_id="swemwbs", answers=_answers(2),
                             timepoint="baseline", administered_on=date(2025, 1, 10), actor=lw)
    measures.record_response(db, client, instrument_id="swemwbs", answers=_answers(4),
                             timepoint="exit", administered_on=date(2025, 6, 10), actor=lw,
                             modified=True, modification_note=f"read aloud {marker}")
    case_study = submit(db, lw, CaseStudyInput(
        organisation_id=org.id, title=f"Out walking {marker}", client_reference=reference,
        needs_notes=f"Lonely {marker}", what_matters=f"Seeing people {marker}",
        support_given=f"Introduced to the group {marker}",
        activities=[(f"Parkside Walkers {marker}", "Walking group", date(2025, 2, 1))],
        narrative=f"Since joining the walking group {marker} has made new friends and "
                  f"feels much less lonely.",
        outcomes_in_own_words=f"I feel less lonely now {marker}.",
        client_quote=f"The group got me out of the house {marker}.",
        consent_level="anonymised_external", consent_given_on=date(2025, 6, 1),
        consent_method="written"))
    approve(db, manager, case_study)
    feedback = record_feedback(db, lw, FeedbackInput(
        org.id, "client", "follow_up_call", date(2025, 6, 12),
        f"I have made new friends at the group and feel more confident {marker}.",
        client_reference=reference))
    tags = list(db.scalars(select(Tag).where(Tag.client_id == client.id).order_by(Tag.id)))
    assert len(tags) >= 2, "the tagger found nothing to tag: the fixture needs other words"
    decide(db, manager, tags[0], "accept", note=f"clear {marker}")
    star_tag = next(t for t in tags if t.case_study_id)
    evidence.star(db, manager, star_tag.id, ConsentLevel.ANONYMISED_EXTERNAL)

    if project is None:
        project = research.create_project(db, researcher, "Isolation study", org.id)
        research.add_code(db, researcher, project, "Friendship")
    key = project.codes[0].key
    doc = research.add_app_document(db, researcher, project, case_study)
    research.add_app_document(db, researcher, project, feedback)
    coding = research_coding.add_coding(db, researcher, project, doc, [key], 0, 20)[0]
    research.add_memo(db, researcher, project, f"Strong theme {marker}", coding_id=coding.id)
    research_coding.settle(db, researcher, project, doc.id, key, 0, 20, "code",
                           f"agreed {marker}")
    db.add(ProjectDocument(project_id=project.id, kind="imported", title="Interview",
                           text=f"An interview transcript {marker}.",
                           attributes={"client": reference}))

    report = reports.create(db, manager, title="Quarter", audience="anonymised_external",
                            background="", filters=ReportFilters(
                                organisation_ids=(org.id,), quote_ids=(star_tag.id,),
                                case_study_ids=(case_study.id,)))
    version, left_out = reports.generate(db, manager, report, threshold=5)
    assert left_out == [], left_out
    reports.confirm_deid(db, manager, version)
    reports.export(db, manager, version, "md")

    if run is None:
        codebook = db.scalars(select(Codebook).where(Codebook.key == "sp-outcomes")).first()
        run = TopicRun(organisation_id=org.id, codebook_id=codebook.id, created_by_id=researcher.id,
                       params={}, filters={})
        db.add(run)
        db.flush()
        audit.record(db, "topics.create", user=researcher, obj=run)
    topic = Topic(run=run, number=len(run.topics), label="walking",
                  terms=[["walking", 0.5]], size=2,
                  representatives=[{"id": f"case_study:{case_study.id}:narrative:0",
                                    "text": f"Walking every week {marker}."},
                                   {"id": f"feedback:{feedback.id}:text:0",
                                    "text": f"New friends {marker}."}])
    db.add(topic)
    db.flush()
    promote_topic(db, researcher, topic, label="Walking together",
                  definition="Walking together.", polarity="improved")
    db.commit()
    return Made(client, case_study, feedback, tags, project, report, run, marker)
