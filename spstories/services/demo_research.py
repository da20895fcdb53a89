"""The demo's research project: demo narratives coded by two researchers, with memos and
passages they disagree on, so the workbench, agreement and settling have something to show.

Both coders start from the rule tagger's suggestions, as researchers do in the workbench:
the first takes every suggestion over; the second leaves some out and codes one passage
differently. Nothing is settled: that is left for whoever logs in.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.vocabulary import CaseStudyStatus
from spstories.services import research, research_coding
from spstories.services.codebooks import latest_version
from spstories.services.tagging import OUTCOMES_CODEBOOK
from spstories.storage.models import CaseStudy, Feedback, Organisation, ResearchProject, User

PROJECT_NAME = "Demo: what changes for people (thematic analysis)"
CASE_STUDIES = 6
FEEDBACK = 6
# The second coder leaves out every SKIP-th suggestion the first coder kept.
SKIP = 3


def _documents(session: Session, org: Organisation) -> list[CaseStudy | Feedback]:
    studies = session.scalars(
        select(CaseStudy).where(CaseStudy.organisation_id == org.id,
                                CaseStudy.status == CaseStudyStatus.APPROVED.value,
                                CaseStudy.narrative != "")
        .order_by(CaseStudy.id).limit(CASE_STUDIES))
    feedback = session.scalars(
        select(Feedback).where(Feedback.organisation_id == org.id).order_by(Feedback.id)
        .limit(FEEDBACK))
    return [*studies, *feedback]


def load_demo_research(session: Session, org: Organisation, first: User,
                       second: User) -> ResearchProject:
    """One project in ``org``: documents, both researchers' codings, memos, disagreements."""
    project = research.create_project(
        session, first, PROJECT_NAME, org.id,
        "Synthetic demo data. Two researchers coded these case studies and feedback "
        "against the outcomes codebook; compare them under Agreement and settle where they "
        "differ.", latest_version(session, OUTCOMES_CODEBOOK))
    codes = [c.key for c in project.codes]
    for n, item in enumerate(_documents(session, org)):
        document = research.add_app_document(session, first, project, item)
        suggested = research_coding.suggest(session, first, project, document)
        for i, coding in enumerate(sorted(suggested, key=lambda c: (c.start_offset, c.code_key))):
            research_coding.accept(session, first, project, coding.id)
            if (i + n) % SKIP:
                research_coding.accept(session, second, project, coding.id)
            elif n % 2 == 0:
                # The second coder reads this passage as another outcome.
                other = next(k for k in codes if k != coding.code_key)
                research_coding.add_coding(session, second, project, document, [other],
                                           coding.start_offset, coding.end_offset)
        if n == 0:
            research.add_memo(session, second, project, "The turning point is the first "
                              "group session; everything after builds on it.",
                              title="Turning point", document_id=document.id)
    research.add_memo(session, first, project, "Connection and confidence travel together in "
                      "most stories: check whether they should be one theme.",
                      title="Early impressions")
    research.add_memo(session, first, project, "Code loneliness only where the person says it "
                      "changed, not where they describe how they were.",
                      title="Coding rule: loneliness", code_key="loneliness")
    return project
