"""Records in two organisations for the API tests, made through the services (so tagged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from spstories.services import case_studies, clients, tokens
from spstories.services.accounts import create_user
from spstories.services.feedback import FeedbackInput, record_feedback
from spstories.services.measures import record_response
from spstories.storage.models import Consent

PASSWORD = "correct horse battery"
TODAY = date.today()
REFERRED = TODAY - timedelta(days=120)
# SWEMWBS raw 22 -> metric 19.98; raw 26 -> 23.21 (the spec's table).
RAW_22 = {"q1": 3, "q2": 3, "q3": 3, "q4": 3, "q5": 3, "q6": 3, "q7": 4}
RAW_26 = {"q1": 4, "q2": 4, "q3": 4, "q4": 4, "q5": 4, "q6": 3, "q7": 3}
STORY = ("Mrs Edna Barraclough was referred by her GP because she felt lonely. Her phone is "
         "07700 900123.\n\nSince joining the Riverside Walking Group Edna no longer feels "
         "lonely and has made new friends.")
FEEDBACK = "Sarah Jones said she no longer feels lonely since the walking group."


@dataclass
class Records:
    ids: dict[str, int]

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def _client(db, user, org, reference, consent: str | None, status="accepted"):
    client = clients.create_client(
        db, user,
        clients.ClientInput(organisation_id=org.id, reference=reference, age_band="65-74",
                            gender="female", ethnic_group="white", area="M14", imd_decile=3),
        clients.ReferralInput(referred_on=REFERRED, source="gp", status=status,
                              service="Link workers", needs=["loneliness"],
                              first_contact_on=REFERRED + timedelta(days=4)))
    if consent is not None:
        db.add(Consent(organisation_id=org.id, client_id=client.id, level=consent,
                       given_on=REFERRED, method="written"))
    db.flush()
    return client


def _case_study(db, user, manager, org, reference, consent, *, approve=True):
    made = case_studies.submit(db, user, case_studies.CaseStudyInput(
        organisation_id=org.id, title="Finding friends on the walks", client_reference=reference,
        presenting_needs=["loneliness"], what_matters="Meeting people",
        support_given="Four sessions", narrative=STORY,
        activities=[("Riverside Walking Group", "Weekly walks", REFERRED + timedelta(days=10))],
        outcomes_in_own_words="Less isolated.", client_quote="I look forward to Tuesdays.",
        consent_level=consent, consent_given_on=REFERRED, consent_method="written"))
    if approve:
        case_studies.approve(db, manager, made)
    return made


def _feedback(db, user, org, reference, text=FEEDBACK):
    return record_feedback(db, user, FeedbackInput(
        organisation_id=org.id, source="client", channel="follow_up_call",
        received_on=TODAY - timedelta(days=5), text=text, client_reference=reference))


def _measures(db, user, client):
    first = record_response(db, client, instrument_id="swemwbs", answers=RAW_22,
                            timepoint="baseline", administered_on=REFERRED + timedelta(days=4),
                            actor=user)
    record_response(db, client, instrument_id="swemwbs", answers=RAW_26, timepoint="exit",
                    administered_on=REFERRED + timedelta(days=90), actor=user)
    return first


def build(db, orgs, users) -> Records:
    """North: a consenting client with an approved case study, feedback and SWEMWBS; a client
    without consent; a draft; feedback with no client. South: a consenting client's records."""
    north, south = orgs["north"], orgs["south"]
    worker, manager = users["link_worker"], users["manager"]
    south_worker = users["south_link_worker"]
    ids: dict[str, int] = {}
    n1 = _client(db, worker, north, "N-001", "internal")
    n2 = _client(db, worker, north, "N-002", "none", status="declined")
    ids |= {"north_client": n1.id, "north_client_no_consent": n2.id,
            "north_referral": n1.referrals[0].id}
    ids["north_case_study"] = _case_study(db, worker, manager, north, "N-001", "internal").id
    ids["north_submitted"] = _case_study(db, worker, manager, north, "N-001", "internal",
                                         approve=False).id
    ids["north_feedback"] = _feedback(db, worker, north, "N-001").id
    ids["north_feedback_no_consent"] = _feedback(db, worker, north, "N-002").id
    ids["north_feedback_no_client"] = _feedback(db, worker, north, "").id
    ids["north_measure"] = _measures(db, worker, n1).id
    s1 = _client(db, south_worker, south, "S-001", "internal")
    ids |= {"south_client": s1.id, "south_referral": s1.referrals[0].id}
    south_manager = create_user(db, email="manager@south.test", name="south manager",
                                role="manager", password=PASSWORD, organisations=[south])
    ids["south_feedback"] = _feedback(db, south_worker, south, "S-001").id
    ids["south_measure"] = _measures(db, south_worker, s1).id
    ids["south_case_study"] = _case_study(db, south_worker, south_manager, south, "S-001",
                                          "internal").id
    db.commit()
    return Records(ids)


def token(db, user, *, can_write=False, expires_on=None) -> str:
    """A token's secret for ``user``."""
    made = tokens.create_token(db, user, f"test {user.email}", can_write=can_write,
                               expires_on=expires_on)
    db.commit()
    return made.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
