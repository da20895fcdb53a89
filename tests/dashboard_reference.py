"""The dashboard's figures recomputed the plain way: from the base tables, client by client,
in Python, with the core's pairing rule. Tests compare it with the summary-based SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import String, literal, select
from sqlalchemy.orm import Session

from spstories.core.measures import classify_change, load_instruments, pair_baseline_follow_up
from spstories.core.statistics import paired_summary
from spstories.services import dashboard as service
from spstories.storage import dashboard_queries as q
from spstories.storage.dashboard_queries import Cohort
from spstories.storage.dashboard_tags import outcome_code_map
from spstories.storage.models import (
    CaseStudy,
    Client,
    DashboardPair,
    Feedback,
    MeasureResponse,
    Referral,
    Tag,
)


@dataclass
class Reference:
    completion: dict = field(default_factory=dict)  # group -> (clients, baseline, follow-up)
    coverage: dict = field(default_factory=dict)  # group -> (clients, narrative, case study)
    outcomes: dict = field(default_factory=dict)  # (code, polarity) -> (clients, confirmed)
    group_outcomes: dict = field(default_factory=dict)  # group -> (code, polarity) -> n
    pairs: dict = field(default_factory=dict)  # (client, instrument, scale) -> (b, f)
    groups: dict = field(default_factory=dict)  # client id -> group
    case_study: set = field(default_factory=set)  # clients with a submitted case study
    discordant: set = field(default_factory=set)  # (client id, kind, change class)

    def summary(self, instrument: str, scale: str, clients=None):  # type: ignore[no-untyped-def]
        found = [(b, f) for (c, i, s), (b, f) in sorted(self.pairs.items())
                 if (i, s) == (instrument, scale) and (clients is None or c in clients)]
        spec = load_instruments()[instrument]
        return paired_summary([b for b, _ in found], [f for _, f in found],
                              [classify_change(spec, scale, b, f) for b, f in found])


def _matches(referral: Referral, f: service.Filters) -> bool:
    return ((f.start is None or referral.referred_on >= f.start)
            and (f.end is None or referral.referred_on <= f.end)
            and (f.service is None or referral.service == f.service)
            and (f.link_worker_id is None or referral.link_worker_id == f.link_worker_id)
            and (f.source is None or referral.source == f.source))


def _group(client: Client, referrals: list[Referral], by: str | None) -> str:
    if by is None:
        return "all"
    if by == "source":
        value = min(referrals, key=lambda r: (r.referred_on, r.id)).source if referrals else None
    else:
        value = getattr(client, by)
    return "not recorded" if value is None else str(value)


def compute(db, user, f: service.Filters) -> Reference:  # type: ignore[no-untyped-def]
    orgs = [o for o in user.organisation_ids if f.organisation_id in (None, o)]
    filtered = any((f.start, f.end, f.service, f.link_worker_id, f.source))
    code_map = outcome_code_map(db)
    scales = [(i.id, s) for i, s in service.reported_scales()]
    instruments = load_instruments()
    ref = Reference()
    outcome_clients: dict = defaultdict(set)
    confirmed_clients: dict = defaultdict(set)
    for client in db.scalars(select(Client).where(Client.organisation_id.in_(orgs))):
        referrals = [r for r in db.scalars(select(Referral).where(Referral.client_id == client.id))
                     if _matches(r, f)]
        if filtered and not referrals:
            continue
        group = _group(client, referrals, f.by)
        ref.groups[client.id] = group

        def own(model, client=client):  # type: ignore[no-untyped-def]
            return list(db.scalars(select(model).where(
                model.client_id == client.id, model.organisation_id == client.organisation_id)
                .order_by(model.id)))

        responses = [r for r in own(MeasureResponse) if f.include_modified or not r.modified]
        n, b, fu = ref.completion.get(group, (0, 0, 0))
        ref.completion[group] = (n + 1, b + any(r.timepoint == "baseline" for r in responses),
                                 fu + any(r.timepoint != "baseline" for r in responses))
        case_studies = [c for c in own(CaseStudy) if c.status != "draft"]
        narrative = bool(case_studies or own(Feedback))
        n, a, cs = ref.coverage.get(group, (0, 0, 0))
        ref.coverage[group] = (n + 1, a + narrative, cs + bool(case_studies))
        if case_studies:
            ref.case_study.add(client.id)
        for instrument, scale in scales:
            views = [{"timepoint": r.timepoint, "review_number": r.review_number,
                      "date": r.administered_on, "modified": r.modified,
                      "scales": {s.scale: s.value for s in r.scores}}
                     for r in own(MeasureResponse) if r.instrument == instrument]
            pairing = pair_baseline_follow_up(views, scale=scale,
                                              include_modified=f.include_modified)
            if pairing.paired:
                ref.pairs[(client.id, instrument, scale)] = (
                    pairing.baseline["scales"][scale], pairing.follow_up["scales"][scale])
        tags = [t for t in own(Tag) if t.review_state != "rejected" and t.code_id in code_map
                and t.polarity is not None]
        confirmed = [t for t in tags if t.origin == "human" or t.review_state == "accepted"]
        counted = confirmed if f.confirmed_only else tags
        for t in counted:
            outcome_clients[(group, code_map[t.code_id], t.polarity)].add(client.id)
        for t in confirmed:
            confirmed_clients[(group, code_map[t.code_id], t.polarity)].add(client.id)
        up = any(t.polarity == "improved" for t in counted)
        down = any(t.polarity == "worsened" for t in counted)
        if up != down:
            for key in service.WELLBEING_SCALES:
                if key in scales and (client.id, *key) in ref.pairs:
                    base, follow = ref.pairs[(client.id, *key)]
                    change = classify_change(instruments[key[0]], key[1], base, follow)
                    if up and change != "improved":
                        ref.discordant.add((client.id, "story_better", change))
                    elif down and change == "improved":
                        ref.discordant.add((client.id, "score_better", change))
                    break
    for (group, code, polarity), clients in outcome_clients.items():
        ref.group_outcomes.setdefault(group, {})[(code, polarity)] = len(clients)
        n, ok = ref.outcomes.get((code, polarity), (0, 0))
        ref.outcomes[(code, polarity)] = (
            n + len(clients), ok + len(clients & confirmed_clients[(group, code, polarity)]))
    return ref


# Per-client pairs as stored in the summaries, to compare with the reference's.
class PairRow(NamedTuple):
    """One client's paired values on one scale."""

    client_id: int
    instrument: str
    scale: str
    baseline: float
    follow_up: float
    group: str | None
    has_case_study: bool


def paired_scores(
    session: Session,
    cohort: Cohort,
    scales: Iterable[tuple[str, str]],
    include_modified: bool = False,
) -> list[PairRow]:
    """Per client and (instrument, scale): the paired baseline and follow-up values
    (``dashboard_summaries._pairs`` has the pairing rule)."""
    wanted = list(scales)
    if not wanted or not cohort.organisation_ids:
        return []
    p = DashboardPair.__table__
    scope = q.summary_scope(cohort, p)
    stmt = (
        select(p.c.client_id, p.c.instrument, p.c.scale, p.c.baseline, p.c.follow_up,
               literal(q.ALL, String) if scope.group is None else scope.group, p.c.case_study)
        .select_from(scope.source)
        .where(*scope.where, p.c.modified_included == include_modified,
               q.scale_condition(p, wanted))
    )
    return [PairRow(c, i, s, b, f, g, bool(cs)) for c, i, s, b, f, g, cs in session.execute(stmt)]
