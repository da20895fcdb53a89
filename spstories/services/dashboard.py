"""The mixed-methods dashboard: KPIs, measure change, outcome counts, joint display.

One ``Cohort`` (the user's organisations intersected with the filters) feeds every figure,
so the numbers on the page describe the same clients. Aggregation is in SQL
(``storage.dashboard_queries`` / ``dashboard_tags``, over the per-client summaries that
``storage.dashboard_summaries`` keeps); Python sees counts per group and per pair of
values, and one row per discordant candidate. See docs/dashboard.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.measures import Instrument, classify_change, load_instruments
from spstories.core.statistics import PairedSummary, paired_summary
from spstories.core.vocabulary import ReferralSource, ReferralStatus, Role
from spstories.services.tagging import OUTCOMES_CODEBOOK
from spstories.services.training import model_trust
from spstories.storage import dashboard_queries as q
from spstories.storage import dashboard_summaries as summaries
from spstories.storage import dashboard_tags as t
from spstories.storage.models import Referral, User, memberships

K = TypeVar("K")
V = TypeVar("V")

# The client's primary wellbeing score for the discordance list: the first of these they have
# a pair on. SWEMWBS and WEMWBS are the wellbeing scales SP schemes most report; WHO-5
# next; ONS4 life satisfaction is the ONS's headline item.
WELLBEING_SCALES = (
    ("swemwbs", "swemwbs_metric"),
    ("wemwbs", "wemwbs_total"),
    ("who5", "who5_percent"),
    ("ons4", "life_satisfaction"),
)
# Which measured scales speak to which outcome domain, for the joint display.
DOMAIN_SCALES = {
    "wellbeing": (*WELLBEING_SCALES, ("ons4", "happiness"), ("ons4", "worthwhile"),
                  ("mycaw", "wellbeing")),
    "anxiety": (("ons4", "anxiety"),),
    "loneliness": (("ucla3", "ucla3_total"),),
}
STORY_CODES_ORDER = (
    "wellbeing", "anxiety", "confidence", "loneliness", "connection", "control",
    "physical_activity", "physical_health", "engagement", "volunteering", "learning",
    "employment", "finances", "housing", "substance_use", "service_use", "access", "community",
)
CASE_STUDY_COVERAGE_WARNING = 0.2  # warn when case studies describe under a fifth of clients
DISCORDANT_WITH_QUOTES = 500  # quotes are fetched for at most this many discordant clients


@dataclass(frozen=True)
class Filters:
    """What the user asked for; ``by`` is a breakdown (see ``q.BREAKDOWNS``)."""

    start: date | None = None
    end: date | None = None
    organisation_id: int | None = None
    service: str | None = None
    link_worker_id: int | None = None
    source: str | None = None
    by: str | None = None
    include_modified: bool = False
    # Outcome counts, joint display and discordance rest on tags a person made or accepted.
    confirmed_only: bool = False


def cohort_for(user: User, filters: Filters) -> q.Cohort:
    """The filters limited to the user's organisations (never widened beyond them)."""
    orgs = tuple(user.organisation_ids)
    if filters.organisation_id is not None:
        orgs = tuple(o for o in orgs if o == filters.organisation_id)
    return q.Cohort(
        organisation_ids=orgs, start=filters.start, end=filters.end, service=filters.service,
        link_worker_id=filters.link_worker_id, source=filters.source,
        by=filters.by if filters.by in q.BREAKDOWNS else None,
    )


def reported_scales() -> list[tuple[Instrument, str]]:
    """(instrument, scale) pairs the dashboard reports: primary scales, or each ONS4 item."""
    out = []
    for instrument in load_instruments().values():
        scales = (instrument.primary_scale,) if instrument.primary_scale else instrument.scale_ids
        out += [(instrument, s) for s in scales if s in instrument.meaningful_change]
    return out


@dataclass(frozen=True)
class MeasureRow:
    instrument: Instrument
    scale: str
    summary: PairedSummary

    @property
    def label(self) -> str:
        return f"{self.instrument.short_name} {self.instrument.scale(self.scale).label.lower()}"


@dataclass(frozen=True)
class Discordant:
    client_id: int
    reference: str
    kind: str  # "story_better" (score fell or flat, story improved) or "score_better"
    instrument: str
    baseline: float
    follow_up: float
    change_class: str
    quotes: tuple[str, ...]


@dataclass
class Dashboard:
    cohort: q.Cohort
    referrals: dict[str | None, dict[tuple[str, str], int]]  # group -> (source, status) -> n
    days_to_contact: list[tuple[int, int]]
    completion: dict[str | None, tuple[int, int, int]]
    modified: dict[str, int]
    measures: dict[str | None, list[MeasureRow]]  # None = everyone
    outcomes: dict[str | None, dict[tuple[str, str], tuple[int, int]]]
    coverage: dict[str | None, tuple[int, int, int]]
    with_case_study: list[tuple[MeasureRow, MeasureRow]]
    discordant: list[Discordant]
    groups: list[str] = field(default_factory=list)
    confirmed_only: bool = False
    # Per code, the tagging model's precision/recall/F1 from its card (empty: rules tag).
    trust: dict[str, dict] = field(default_factory=dict)


def sum_groups(table: dict[str | None, dict[K, V]]) -> dict[K, V]:
    """Add up a per-group table of counts (ints or tuples of ints) over all groups."""
    out: dict[K, V] = {}
    for per_group in table.values():
        for key, value in per_group.items():
            prev = out.get(key)
            if prev is None:
                out[key] = value
            elif isinstance(value, tuple):
                out[key] = tuple(a + b for a, b in zip(prev, value, strict=True))  # type: ignore
            else:
                out[key] = prev + value  # type: ignore[operator]
    return out


def _summaries(
    counts: list[q.PairCount], scales: list[tuple[Instrument, str]]
) -> list[MeasureRow]:
    by_scale: dict[tuple[str, str], list[q.PairCount]] = defaultdict(list)
    for row in counts:
        by_scale[(row.instrument, row.scale)].append(row)
    rows = []
    for instrument, scale in scales:
        baseline: list[float] = []
        follow_up: list[float] = []
        classes: list[str] = []
        for r in by_scale.get((instrument.id, scale), []):
            baseline += [r.baseline] * r.clients
            follow_up += [r.follow_up] * r.clients
            classes += [classify_change(instrument, scale, r.baseline, r.follow_up)] * r.clients
        rows.append(MeasureRow(instrument, scale, paired_summary(baseline, follow_up, classes)))
    return rows


def _discordant(
    session: Session, cohort: q.Cohort, code_map: dict[int, str], filters: Filters,
    reported: list[tuple[str, str]],
) -> list[Discordant]:
    scales = [s for s in WELLBEING_SCALES if s in reported]
    instruments = load_instruments()
    best: dict[int, tuple[int, t.StoryPair]] = {}
    for row in t.one_way_stories(session, cohort, scales, filters.include_modified,
                                 filters.confirmed_only):
        rank = scales.index((row.instrument, row.scale))
        if row.client_id not in best or rank < best[row.client_id][0]:
            best[row.client_id] = (rank, row)
    found: list[tuple[int, str, t.StoryPair, str]] = []
    for client_id, (_, row) in best.items():
        change = classify_change(instruments[row.instrument], row.scale, row.baseline,
                                 row.follow_up)
        if row.story > 0 and change != "improved":
            found.append((client_id, "story_better", row, change))
        elif row.story < 0 and change == "improved":
            found.append((client_id, "score_better", row, change))
    quotes: dict[int, list[t.Quote]] = defaultdict(list)
    quoted = _kind(filters, "all")
    for kind, polarity in (("story_better", "improved"), ("score_better", "worsened")):
        ids = [c for c, k, _, _ in found if k == kind][:DISCORDANT_WITH_QUOTES]
        for quote in t.evidence_quotes(session, cohort, code_map, polarity=polarity, kind=quoted,
                                       client_ids=ids, per_client=3, limit=len(ids) * 3):
            quotes[quote.client_id].append(quote)
    out = [
        Discordant(
            client_id=cid, reference=quotes[cid][0].client_reference if quotes[cid] else "",
            kind=kind, instrument=f"{instruments[row.instrument].short_name} {row.scale}",
            baseline=row.baseline, follow_up=row.follow_up, change_class=change,
            quotes=tuple(f"{qt.code}: {qt.evidence}" for qt in quotes[cid][:3]),
        )
        for cid, kind, row, change in found
    ]
    return sorted(out, key=lambda d: (d.kind, d.reference, d.client_id))


def _by_group(rows: list[tuple]) -> dict:  # type: ignore[type-arg]
    """(group, a, b, value...) rows as {group: {(a, b): value or (values...)}}."""
    out: dict = defaultdict(dict)
    for group, a, b, *values in rows:
        out[group][(a, b)] = values[0] if len(values) == 1 else tuple(values)
    return dict(out)


def build(session: Session, user: User, filters: Filters) -> Dashboard:
    """Every figure of the dashboard for ``user`` and ``filters``."""
    # Summaries are current after every commit made through the app; this catches writes
    # made around it (bulk SQL), in this transaction.
    summaries.refresh_stale(session)
    cohort = q.materialize(session, cohort_for(user, filters))
    scales = reported_scales()
    reported = [(i.id, s) for i, s in scales]
    code_map = t.outcome_code_map(session)
    counts = q.paired_score_counts(session, cohort, reported, filters.include_modified)
    measures = {None: _summaries(counts, scales)}
    if cohort.by:
        by_group: dict[str | None, list[q.PairCount]] = defaultdict(list)
        for row in counts:
            by_group[row.group].append(row)
        measures.update({g: _summaries(rows, scales) for g, rows in by_group.items()})
    with_cs = list(zip(_summaries([c for c in counts if c.has_case_study], scales),
                       _summaries([c for c in counts if not c.has_case_study], scales),
                       strict=True))
    completion = {g: (n, b, f) for g, n, b, f in
                  q.measure_completion(session, cohort, filters.include_modified)}
    coverage = {g: (n, a, c) for g, n, a, c in t.narrative_coverage(session, cohort)}
    return Dashboard(
        cohort=cohort,
        referrals=_by_group(q.referral_counts(session, cohort)),
        days_to_contact=q.days_to_first_contact(session, cohort),
        completion=completion,
        modified={} if filters.include_modified else q.modified_counts(session, cohort),
        measures=measures,
        outcomes=_by_group(t.outcome_counts(session, cohort, filters.confirmed_only)),
        coverage=coverage,
        with_case_study=with_cs,
        discordant=_discordant(session, cohort, code_map, filters, reported),
        groups=sorted({str(g) for g in coverage if g is not None}) if cohort.by else [],
        confirmed_only=filters.confirmed_only,
        trust=model_trust(OUTCOMES_CODEBOOK),
    )


def _kind(filters: Filters, kind: str) -> str | None:
    """The kind of tags to quote under ``filters``: with "confirmed tags only", confirmed
    ones whatever was asked, and none when machine-only ones were asked."""
    if not filters.confirmed_only:
        return kind
    return None if kind == "machine" else "confirmed"


def evidence(
    session: Session,
    user: User,
    filters: Filters,
    *,
    code: str | None,
    polarity: str | None,
    kind: str,
) -> list[t.Quote]:
    """The quotes behind an outcome count (``kind``: all, confirmed or machine tags)."""
    wanted = _kind(filters, kind)
    if wanted is None:
        return []
    return t.evidence_quotes(session, cohort_for(user, filters), t.outcome_code_map(session),
                             code=code, polarity=polarity, kind=wanted)


def filter_choices(session: Session, user: User) -> dict[str, list[tuple[str, str]]]:
    """Options for the filter form, limited to the user's organisations."""
    orgs = user.organisation_ids
    services = session.scalars(
        select(Referral.service).where(Referral.organisation_id.in_(orgs),
                                       Referral.service.is_not(None))
        .distinct().order_by(Referral.service)
    )
    workers = session.execute(
        select(User.id, User.name).join(memberships, memberships.c.user_id == User.id)
        .where(memberships.c.organisation_id.in_(orgs), User.role == Role.LINK_WORKER.value)
        .distinct().order_by(User.name)
    )
    return {
        "organisation_id": [(str(o.id), o.name) for o in user.organisations],
        "service": [(s, s) for s in services],
        "link_worker_id": [(str(i), name) for i, name in workers],
        "source": ReferralSource.choices(),
        "by": [(b, b.replace("_", " ").capitalize()) for b in q.BREAKDOWNS],
        "status": ReferralStatus.choices(),
    }
