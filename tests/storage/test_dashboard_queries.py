"""The dashboard's packed-key pairing and bitmask outcome counts against the plain rules."""

from __future__ import annotations

import random
from datetime import date, timedelta

from spstories.core.measures import pair_baseline_follow_up
from spstories.services import dashboard as service
from spstories.services.measures import record_response
from spstories.storage import dashboard_queries as q
from spstories.storage import dashboard_tags as t
from spstories.storage.models import Client, MeasureResponse
from tests import dashboard_data

DAYS = [date(1999, 12, 30), date(2025, 3, 1), date(2025, 3, 2), date(2025, 9, 1)]


def test_pairing_matches_the_core_rule_on_ties_reviews_and_early_follow_ups(db, orgs, users):
    # Few distinct days, so baselines share dates, follow-ups fall on the baseline's day and
    # reviews of different numbers share a day; one day is before 2000, where the packed day
    # number is negative. Two follow-ups of the same kind, day and number are left out: the
    # core rule then keeps whichever it was given first, SQL the later-recorded one.
    rng = random.Random(7)
    clients = []
    for n in range(80):
        client = Client(organisation_id=orgs["north"].id, reference=f"P{n}")
        db.add(client)
        db.flush()
        follow_ups = set()
        for _ in range(rng.randint(1, 6)):
            timepoint = rng.choice(("baseline", "baseline", "exit", "review", "review", "review"))
            day = rng.choice(DAYS) + timedelta(days=rng.choice((0, 0, 1)))
            number = rng.randint(1, 3) if timepoint == "review" else None
            if timepoint != "baseline" and (timepoint, day, number) in follow_ups:
                continue
            follow_ups.add((timepoint, day, number))
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
        rows = {r.client_id: (r.baseline, r.follow_up) for r in q.paired_scores(
            db, cohort, [("swemwbs", "swemwbs_metric")], include_modified)}
        for client in clients:
            responses = [
                {"timepoint": r.timepoint, "date": r.administered_on,
                 "modified": r.modified,
                 "review_number": r.review_number,
                 "scales": {s.scale: s.value for s in r.scores}}
                for r in db.query(MeasureResponse).filter_by(client_id=client.id)
                .order_by(MeasureResponse.id)  # same-day baselines: SQL keeps the first id
            ]
            pairing = pair_baseline_follow_up(responses, scale="swemwbs_metric",
                                              include_modified=include_modified)
            expected = ((pairing.baseline["scales"]["swemwbs_metric"],
                         pairing.follow_up["scales"]["swemwbs_metric"])
                        if pairing.paired else None)
            assert rows.get(client.id) == expected, (client.reference, include_modified)


def test_outcome_counts_span_several_masks(db, orgs, users):
    # 45 top-level codes need three 60-bit masks; the real codes sort into the last one.
    dashboard_data.build(db, orgs, users)
    cohort = service.cohort_for(users["researcher"], service.Filters())
    code_map = t.outcome_code_map(db)
    expected = sorted(t.outcome_counts(db, cohort, code_map))
    padded = {**{-i: f"a{i:02d}" for i in range(1, 45)},
              **{cid: f"z_{top}" for cid, top in code_map.items()}}
    got = sorted((g, top.removeprefix("z_"), p, n, ok)
                 for g, top, p, n, ok in t.outcome_counts(db, cohort, padded))
    assert got == expected
    assert ("all", "loneliness", "worsened", 2, 1) in expected
