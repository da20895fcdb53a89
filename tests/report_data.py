"""Dashboard data plus consent and identifying quotes, for report tests."""

from __future__ import annotations

from datetime import date

from spstories.storage.models import CaseStudy, Consent, LinkedActivity, Tag
from tests import dashboard_data

QUOTE = ("Mrs Okafor said the Knit and Natter group changed everything; ring her on "
         "07700 900123 or write to LS6 2AB.")
LOCKED_QUOTE = "Tom Baker felt less alone at the lunch club."


def build(db, orgs, users) -> dict:
    made = dashboard_data.build(db, orgs, users)
    c1, c2, c3 = made["c1"], made["c2"], made["c3"]
    org = c1.organisation_id
    db.add_all([
        Consent(organisation_id=org, client_id=c1.id, level="anonymised_external",
                given_on=date(2025, 1, 10), method="written"),
        Consent(organisation_id=org, client_id=c3.id, level="internal",
                given_on=date(2025, 1, 10), method="verbal"),
    ])
    feedback = dashboard_data.Feedback  # c1's feedback already exists: tag a real quote on it
    fb1 = db.query(feedback).filter_by(client_id=c1.id).one()
    fb3 = db.query(feedback).filter_by(client_id=c3.id).one()
    code = dashboard_data.code_id(db, "connection")
    allowed = Tag(organisation_id=org, client_id=c1.id, feedback_id=fb1.id, field="text",
                  code_id=code, polarity="improved", start_offset=0, end_offset=5,
                  evidence=QUOTE, origin="human", review_state="accepted")
    locked = Tag(organisation_id=org, client_id=c3.id, feedback_id=fb3.id, field="text",
                 code_id=code, polarity="improved", start_offset=0, end_offset=5,
                 evidence=LOCKED_QUOTE, origin="human", review_state="accepted")
    cs = db.query(CaseStudy).filter_by(client_id=c2.id).one()
    cs.title = "Getting out again"
    cs.narrative = "Sarah Jones, 07700 900456, now helps at Knit and Natter every Tuesday."
    db.add_all([allowed, locked,
                LinkedActivity(case_study_id=cs.id, provider="Knit and Natter",
                               activity="Craft group"),
                Consent(organisation_id=org, client_id=c2.id, case_study_id=cs.id,
                        level="anonymised_external", given_on=date(2025, 2, 11),
                        method="written")])
    db.commit()
    return {**made, "allowed": allowed, "locked": locked, "case_study": cs}
