"""Loading the synthetic demo into the database, tagged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core import demo as generator
from spstories.core.measures import load_instruments
from spstories.core.vocabulary import ConsentMethod, Role
from spstories.services import audit
from spstories.services.accounts import create_organisation, create_user
from spstories.services.codebooks import sync_shipped_codebooks
from spstories.services.demo_research import load_demo_research
from spstories.services.measures import record_response
from spstories.services.tagging import tag_document
from spstories.storage.models import (
    CaseStudy,
    Client,
    Consent,
    Feedback,
    LinkedActivity,
    Organisation,
    Referral,
    User,
)
from spstories.storage.models.base import utcnow

DEMO_PASSWORD = "spstories-demo"  # noqa: S105 - printed for the demo; synthetic data only
DEMO_DOMAIN = "demo.spstories.test"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    organisations: str


def demo_logins(session: Session) -> list[DemoLogin]:
    stmt = select(User).where(User.email.like(f"%@{DEMO_DOMAIN}")).order_by(User.id)
    return [
        DemoLogin(
            Role(u.role).label, u.email, DEMO_PASSWORD, ", ".join(o.name for o in u.organisations)
        )
        for u in session.scalars(stmt)
    ]


def has_demo(session: Session) -> bool:
    return (
        session.scalar(
            select(Organisation.id).where(Organisation.name == generator.ORGANISATIONS[0])
        )
        is not None
    )


def _users(session: Session, orgs: list[Organisation]) -> dict[int, list[User]]:
    def make(local: str, name: str, role: Role, members: list[Organisation]) -> User:
        return create_user(
            session,
            email=f"{local}@{DEMO_DOMAIN}",
            name=name,
            role=role.value,
            password=DEMO_PASSWORD,
            organisations=members,
        )

    make("linkworker", "Lee Link (demo link worker)", Role.LINK_WORKER, orgs[:1])
    make("manager", "Morgan Manager (demo manager)", Role.MANAGER, orgs[:1])
    make("researcher", "Robin Researcher (demo researcher)", Role.RESEARCHER, orgs)
    make("admin", "Alex Admin (demo administrator)", Role.ADMIN, orgs)
    # The research project's second coder (services/demo_research.py).
    make("researcher2", "Sam Second-Coder (demo researcher)", Role.RESEARCHER, orgs[:1])
    workers: dict[int, list[User]] = {}
    for i, org in enumerate(orgs):
        workers[org.id] = [
            make(
                f"linkworker{i + 1}{letter}",
                f"Link worker {i + 1}{letter.upper()} (demo)",
                Role.LINK_WORKER,
                [org],
            )
            for letter in "ab"
        ]
        if i:
            make(f"manager{i + 1}", f"Manager {i + 1} (demo)", Role.MANAGER, [org])
    return workers


def load_demo(
    session: Session,
    *,
    clients: int = 300,
    seed: int = 7,
    progress: Callable[[int], object] | None = None,
) -> dict[str, int]:
    """Create the three demo organisations, their users and ``clients`` synthetic clients.

    ``progress(1)`` is called after each client, for a progress bar.
    """
    sync_shipped_codebooks(session)
    orgs = [create_organisation(session, name) for name in generator.ORGANISATIONS]
    workers = _users(session, orgs)
    workers[orgs[0].id].insert(
        0, session.scalars(select(User).where(User.email == f"linkworker@{DEMO_DOMAIN}")).one()
    )
    counts = {"clients": 0, "case_studies": 0, "feedback": 0, "measures": 0, "tags": 0}
    for n, person in enumerate(generator.generate(load_instruments(), clients=clients, seed=seed)):
        org = orgs[person.organisation]
        worker = workers[org.id][n % len(workers[org.id])]
        client = Client(
            organisation_id=org.id,
            reference=person.reference,
            age_band=person.age_band,
            gender=person.gender,
            ethnic_group=person.ethnic_group,
            area=person.area,
            imd_decile=person.imd_decile,
        )
        session.add(client)
        session.flush()
        session.add(
            Referral(
                organisation_id=org.id,
                client_id=client.id,
                link_worker_id=worker.id,
                referred_on=person.referred_on,
                source=person.source,
                service=person.service,
                needs=person.needs,
                status=person.status,
                first_contact_on=person.first_contact_on,
            )
        )
        session.add(
            Consent(
                organisation_id=org.id,
                client_id=client.id,
                level=person.consent,
                given_on=person.first_contact_on or person.referred_on,
                method=ConsentMethod.WRITTEN.value,
                recorded_by_id=worker.id,
            )
        )
        for m in person.measures:
            record_response(
                session,
                client,
                instrument_id=m.instrument,
                answers=m.answers,
                timepoint=m.timepoint,
                administered_on=m.administered_on,
                modified=m.modified,
                modification_note="Read aloud with a 0-10 scale" if m.modified else None,
                actor=worker,
            )
            counts["measures"] += 1
        documents: list[CaseStudy | Feedback] = []
        if person.case_study:
            documents.append(_case_study(session, client, worker, person.case_study))
        for fb in person.feedback:
            documents.append(
                Feedback(
                    organisation_id=org.id,
                    client_id=client.id,
                    recorded_by_id=worker.id,
                    source=fb.source,
                    channel=fb.channel,
                    formal=fb.formal,
                    received_on=fb.received_on,
                    text=fb.text,
                )
            )
        session.add_all(documents)
        session.flush()
        for doc in documents:
            counts["case_studies" if isinstance(doc, CaseStudy) else "feedback"] += 1
            counts["tags"] += len(tag_document(session, doc))
        counts["clients"] += 1
        if progress is not None:
            progress(1)
    first, second = (session.scalars(select(User).where(User.email == f"{name}@{DEMO_DOMAIN}"))
                     .one() for name in ("researcher", "researcher2"))
    project = load_demo_research(session, orgs[0], first, second)
    counts["research_projects"] = 1
    audit.record(session, "demo.load", research_project=project.id, **counts)
    return counts


def _case_study(
    session: Session, client: Client, author: User, story: generator.DemoCaseStudy
) -> CaseStudy:
    submitted = story.status != "draft"
    case_study = CaseStudy(
        organisation_id=client.organisation_id,
        client_id=client.id,
        author_id=author.id,
        title=story.title,
        presenting_needs=story.needs,
        what_matters=story.what_matters,
        support_given=story.support_given,
        narrative=story.narrative,
        outcomes_in_own_words=story.outcomes,
        client_quote=story.quote,
        status=story.status,
        submitted_at=utcnow() if submitted else None,
        reviewed_at=utcnow() if story.status == "approved" else None,
        activities=[
            LinkedActivity(provider=p, activity=a, started_on=d) for p, a, d in story.activities
        ],
    )
    session.add(case_study)
    session.flush()
    session.add(
        Consent(
            organisation_id=client.organisation_id,
            client_id=client.id,
            case_study_id=case_study.id,
            level=story.consent,
            given_on=story.activities[0][2],
            method=ConsentMethod.WRITTEN.value,
            recorded_by_id=author.id,
        )
    )
    return case_study
