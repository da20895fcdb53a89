"""A database with a row in every table, made through the services, for backup tests.

The synthetic demo fills the clients' side; a research project, a report, a review, a
starred quote, a job and a topic run fill the rest. Whatever the demo's random texts, every
table ends up with rows (the tests check it, so a new table cannot go untested).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.topics.model import TopicParams
from spstories.core.vocabulary import ConsentLevel
from spstories.services import (
    api_writes,
    evidence,
    research,
    research_coding,
    review,
    sp_standard,
    tokens,
    topics,
)
from spstories.services import reports as report_service
from spstories.services.codebooks import latest_version
from spstories.services.demo import demo_logins, load_demo
from spstories.services.jobs import create_job
from spstories.services.reports import ReportFilters
from spstories.storage.models import Consent, Feedback, Organisation, Tag, Topic, User

TEXT = "I was lonely. Now I go to the walking group every week and I feel much happier."


def fill(session: Session, clients: int = 6) -> None:
    """Load the demo, then use every other part of the app once; commits."""
    load_demo(session, clients=clients, seed=3)
    session.commit()
    logins: dict[str, str] = {}
    for login in demo_logins(session):  # the first of each role shares the first organisation
        logins.setdefault(login.role.lower(), login.email)
    users = {
        role: session.scalars(select(User).where(User.email == email)).one()
        for role, email in logins.items()
    }
    researcher, manager = users["researcher"], users["manager"]
    org_id = manager.organisations[0].id  # the researcher is in every organisation

    codebook = latest_version(session, "sp-outcomes")
    project = research.create_project(session, researcher, "Walking study", org_id,
                                      codebook=codebook)
    key = research.add_code(session, researcher, project, "Feeling less alone",
                            parent="loneliness")
    doc = research.add_transcript(session, researcher, project, "i.txt", TEXT.encode())
    research_coding.add_coding(session, researcher, project, doc, [key], 0, 13)
    research_coding.add_coding(session, researcher, project, doc, ["wellbeing"], 57, 79)
    research_coding.settle(session, researcher, project, doc.id, key, 0, 13, "code", "agreed")
    research.add_memo(session, researcher, project, "Walking comes up often.", code_key=key)

    tag = session.scalars(
        select(Tag).where(Tag.organisation_id == org_id, Tag.feedback_id.is_not(None))
    ).first()
    if tag is None:  # the demo's texts are random: make sure there is a tagged quote
        feedback = session.scalars(
            select(Feedback).where(Feedback.organisation_id == org_id)
        ).first()
        tag = Tag(organisation_id=org_id, client_id=feedback.client_id, feedback_id=feedback.id,
                  field="text", code_id=codebook.codes[0].id,
                  polarity="improved", start_offset=0, end_offset=5,
                  evidence=feedback.text[:5], origin="human", review_state="accepted")
        session.add(tag)
        session.flush()
    if tag.client_id is not None:
        session.add(Consent(organisation_id=org_id, client_id=tag.client_id, level="internal",
                            given_on=date(2025, 1, 10), method="written"))
        session.flush()
    review.decide(session, manager, tag, "accept", note="clear evidence")
    evidence.star(session, manager, tag.id, ConsentLevel.INTERNAL)
    filters = ReportFilters(start=date(2020, 1, 1), end=date(2030, 12, 31),
                            organisation_ids=(org_id,), quote_ids=(tag.id,))
    report = report_service.create(session, manager, title="Quarter", audience="internal",
                                   background="Our service.", filters=filters)
    report_service.generate(session, manager, report, threshold=5)

    made = tokens.create_token(session, manager, "Data team", can_write=True)
    api_writes.create_feedback(session, manager, made.token, {
        "organisation_id": org_id, "source": "client", "channel": "email",
        "received_on": "2025-02-01", "text": TEXT}, key="backup-test-1")
    sp_standard.export_zip(session, [session.get(Organisation, org_id)], start=None, end=None,
                           actor=manager)
    create_job(session, "retag", {"codebook": "sp-outcomes"}, manager, org_id)
    run = topics.create_run(session, researcher, org_id, None, TopicParams(), {})
    session.add(Topic(run_id=run.id, number=0, label="walking, group", terms=[["walking", 0.4]],
                      size=3, representatives=[{"id": "feedback:1:text:0", "text": "We walk."}],
                      over_time={"2025-01": 3}))
    session.commit()
