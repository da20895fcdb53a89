"""The dashboard's packed-key pairing (in its summaries) against the core's rule."""

from __future__ import annotations

import random
from datetime import date, timedelta

from spstories.core.measures import pair_baseline_follow_up
from spstories.services import dashboard as service
from spstories.services.measures import record_response
from spstories.storage.models import Client, MeasureResponse
from tests import dashboard_data
from tests.dashboard_reference import paired_scores

DAYS = [date(1999, 12, 30), date(2025, 3, 1), date(2025, 3, 2), date(2025, 9, 1)]


def test_pairing_matches_the_core_rule_on_ties_reviews_and_early_follow_ups(db, orgs, users):
    # Few distinct days, so baselines share dates, follow-ups fall on the baseline's day,
    # reviews of different numbers share a day and follow-ups of the same kind, day and
    # number are recorded twice (the later-recorded one wins, in SQL and in the core); one
    # day is before 2000, where the packed day number is negative.
    rng = random.Random(7)
    clients = []
    for n in range(80):
        client = Client(organisation_id=orgs["north"].id, reference=f"P{n}")
        db.add(client)
        db.flush()
        for _ in range(rng.randint(1, 6)):
            timepoint = rng.choice(("baseline", "baseline", "exit", "review", "review", "review"))
            day = rng.choice(DAYS) + timedelta(days=rng.choice((0, 0, 1)))
            number = rng.randint(1, 3) if timepoint == "review" else None
            modified = rng.random() < 0.15
            record_response(
                db, client, instrument_id="swemwbs",
                answers=dashboard_data._answers(rng.choice((21, 28, 35))), timepoint=timepoint,
                administered_on=day, review_number=number,
                modified=modified, modification_note="read aloud" if modified else None,
            )
        clients.append(client)
    db.commit()
    cohort = service.cohort_for(users["researcher"], service.Filters())
    for include_modified in (False, True):
        rows = {r.client_id: (r.baseline, r.follow_up) for r in paired_scores(
            db, cohort, [("swemwbs", "swemwbs_metric")], include_modified)}
        for client in clients:
            responses = [
                {"timepoint": r.timepoint, "date": r.administered_on,
                 "modified": r.modified,
                 "review_number": r.review_number,
                 "scales": {s.scale: s.value for s in r.scores}}
                for r in db.query(MeasureResponse).filter_by(client_id=client.id)
                .order_by(MeasureResponse.id)  # recording order breaks same-day ties
            ]
            pairing = pair_baseline_follow_up(responses, scale="swemwbs_metric",
                                              include_modified=include_modified)
            expected = ((pairing.baseline["scales"]["swemwbs_metric"],
                         pairing.follow_up["scales"]["swemwbs_metric"])
                        if pairing.paired else None)
            assert rows.get(client.id) == expected, (client.reference, include_modified)
