"""A synthetic, clearly labelled demo data set: organisations, clients, stories, scores.

Pure and seeded: the same seed gives the same data. Persisting it is the
services layer's job. Trajectories mix the common case (scores and story both
improve) with the cases the product exists to surface: scores that fall or stay
flat while the story shows progress, and the reverse.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from spstories.core import demo_text as text
from spstories.core.measures.instruments import Direction, Instrument
from spstories.core.vocabulary import (
    AgeBand,
    ConsentLevel,
    EthnicGroup,
    FeedbackChannel,
    FeedbackSource,
    ReferralSource,
    ReferralStatus,
)

DEMO_LABEL = "SYNTHETIC DEMO DATA - not real people"
ORGANISATIONS = (
    "Northside Social Prescribing",
    "Riverside Community Links",
    "Hillview Wellbeing Service",
)
AREAS = ("M14", "M15", "M16", "SK4", "OL9", "BL3", "WN2", "M40")
NEEDS = (
    "loneliness",
    "wellbeing",
    "anxiety",
    "finances",
    "housing",
    "physical_activity",
    "employment",
    "physical_health",
    "confidence",
)
# (share of clients, change in wellbeing level, story polarity)
TRAJECTORIES = {
    "improving": (0.45, (0.12, 0.30), "improved"),
    "score_fell_story_improved": (0.12, (-0.22, -0.12), "discordant"),
    "flat_score_story_improved": (0.10, (-0.03, 0.03), "improved"),
    "declining": (0.10, (-0.30, -0.12), "worsened"),
    "no_follow_up": (0.23, (0.0, 0.0), "improved"),
}
DISCORDANT_CODES = (
    ("engagement", "improved"),
    ("volunteering", "improved"),
    ("connection", "improved"),
)


@dataclass
class DemoMeasure:
    instrument: str
    timepoint: str
    administered_on: date
    answers: dict[str, int]
    modified: bool = False


@dataclass
class DemoCaseStudy:
    title: str
    needs: list[str]
    what_matters: str
    support_given: str
    activities: list[tuple[str, str, date]]
    narrative: str
    outcomes: str
    quote: str
    status: str
    consent: str


@dataclass
class DemoFeedback:
    source: str
    channel: str
    formal: bool
    received_on: date
    text: str


@dataclass
class DemoClient:
    reference: str
    organisation: int
    age_band: str
    gender: str
    ethnic_group: str
    area: str
    imd_decile: int | None
    trajectory: str
    referred_on: date
    source: str
    service: str
    needs: list[str]
    status: str
    first_contact_on: date | None
    consent: str
    measures: list[DemoMeasure] = field(default_factory=list)
    case_study: DemoCaseStudy | None = None
    feedback: list[DemoFeedback] = field(default_factory=list)


def _weighted(rng: random.Random, options: dict[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def _answers(rng: random.Random, instrument: Instrument, level: float) -> dict[str, int]:
    """Item answers around a wellbeing level in [0, 1] (1 = best), honouring direction."""
    item_direction = {
        item_id: scale.direction for scale in instrument.scales for item_id in scale.items
    }
    answers = {}
    for item in instrument.items:
        good = (
            level
            if item_direction.get(item.id, instrument.direction) != Direction.LOWER_IS_BETTER
            else 1 - level
        )
        value = item.min + good * (item.max - item.min) + rng.gauss(0, 0.6)
        answers[item.id] = int(min(item.max, max(item.min, round(value))))
    return answers


def _narrative(
    rng: random.Random,
    name: str,
    pronoun: tuple[str, str],
    activity: str,
    codes: list[tuple[str, str]],
) -> str:
    they, their = pronoun
    fill = {"name": name, "they": they, "their": their, "activity": activity}
    sentences = [rng.choice(text.BACKGROUND)]
    sentences += [rng.choice(text.OUTCOME_SENTENCES[code]) for code in codes]
    body = " ".join(s.format(**fill) for s in sentences)
    return f"## How it started\n\n{body}\n\n*{DEMO_LABEL}.*"


def _story_codes(rng: random.Random, story: str) -> list[tuple[str, str]]:
    positive = [k for k in text.OUTCOME_SENTENCES if k[1] == "improved"]
    if story == "discordant":
        return [*rng.sample(DISCORDANT_CODES, 2), ("wellbeing", "worsened")]
    if story == "worsened":
        negative = [k for k in text.OUTCOME_SENTENCES if k[1] != "improved"]
        return rng.sample(negative, 2)
    return rng.sample(positive, rng.randint(2, 4))


def generate(
    instruments: dict[str, Instrument],
    *,
    clients: int = 300,
    seed: int = 7,
    today: date | None = None,
) -> list[DemoClient]:
    """Generate ``clients`` synthetic clients spread over the three demo organisations."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not security
    today = today or date.today()
    org_instrument = ["swemwbs", "ons4", "who5"]
    shares = {name: spec[0] for name, spec in TRAJECTORIES.items()}
    people = []
    for n in range(clients):
        org = n % len(ORGANISATIONS)
        trajectory = _weighted(rng, shares)
        _share, (lo, hi), story = TRAJECTORIES[trajectory]
        referred_on = today - timedelta(days=rng.randint(30, 540))
        status = _weighted(
            rng, {"completed": 0.55, "accepted": 0.25, "declined": 0.10, "offered": 0.10}
        )
        engaged = status in (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED)
        client = DemoClient(
            reference=f"DEMO-{org + 1}-{n + 1:04d}",
            organisation=org,
            age_band=rng.choice([b.value for b in AgeBand if b is not AgeBand.UNDER_18]),
            gender=_weighted(
                rng, {"female": 0.58, "male": 0.38, "non_binary": 0.02, "not_known": 0.02}
            ),
            ethnic_group=_weighted(
                rng,
                {
                    e.value: w
                    for e, w in zip(EthnicGroup, (0.10, 0.06, 0.04, 0.74, 0.03, 0.03), strict=True)
                },
            ),
            area=rng.choice(AREAS),
            imd_decile=rng.randint(1, 10) if rng.random() < 0.85 else None,
            trajectory=trajectory if engaged else "no_follow_up",
            referred_on=referred_on,
            source=_weighted(
                rng,
                {
                    ReferralSource.GP: 0.55,
                    ReferralSource.SELF: 0.15,
                    ReferralSource.OTHER_PROFESSIONAL: 0.20,
                    ReferralSource.VCSE: 0.10,
                },
            ),
            service=rng.choice(["Link worker service", "Wellbeing coaching"]),
            needs=rng.sample(NEEDS, rng.randint(1, 3)),
            status=status,
            first_contact_on=referred_on + timedelta(days=rng.randint(1, 21)) if engaged else None,
            consent=_weighted(
                rng,
                {c.value: w for c, w in zip(ConsentLevel, (0.10, 0.30, 0.45, 0.15), strict=True)},
            ),
        )
        if engaged:
            _add_measures(rng, client, instruments[org_instrument[org]], lo, hi, today)
            if rng.random() < (0.55 if story == "discordant" else 0.22):
                client.case_study = _case_study(rng, client, story)
            if rng.random() < 0.35:
                client.feedback.append(_feedback(rng, client, today))
        people.append(client)
    return people


def _add_measures(
    rng: random.Random,
    client: DemoClient,
    instrument: Instrument,
    lo: float,
    hi: float,
    today: date,
) -> None:
    level = min(0.9, max(0.1, rng.gauss(0.42, 0.12)))
    start = client.first_contact_on or client.referred_on
    modified = rng.random() < 0.05
    client.measures.append(
        DemoMeasure(instrument.id, "baseline", start, _answers(rng, instrument, level), modified)
    )
    follow_up = start + timedelta(days=rng.randint(70, 120))
    if client.trajectory != "no_follow_up" and follow_up <= today:
        after = min(0.98, max(0.02, level + rng.uniform(lo, hi)))
        client.measures.append(
            DemoMeasure(
                instrument.id, "exit", follow_up, _answers(rng, instrument, after), modified
            )
        )


def _case_study(rng: random.Random, client: DemoClient, story: str) -> DemoCaseStudy:
    name = rng.choice(text.FIRST_NAMES)
    pronoun = rng.choice([("she", "her"), ("he", "his"), ("they", "their")])
    chosen = rng.sample(text.ACTIVITIES, 2)
    start = client.first_contact_on or client.referred_on
    activities = [(p, a, start + timedelta(days=rng.randint(7, 60))) for p, a in chosen]
    codes = _story_codes(rng, story)
    return DemoCaseStudy(
        title=f"{name}'s story ({client.reference})",
        needs=client.needs,
        what_matters=rng.choice(text.WHAT_MATTERS),
        support_given=f"Six sessions with a link worker; linked to {chosen[0][0]} and "
        f"{chosen[1][0]}.",
        activities=activities,
        narrative=_narrative(rng, name, pronoun, chosen[0][1], codes),
        outcomes="Progress on what mattered to them."
        if story != "worsened"
        else "Circumstances got harder during support.",
        quote=rng.choice(text.FEEDBACK_SENTENCES),
        status=_weighted(rng, {"approved": 0.7, "submitted": 0.2, "draft": 0.1}),
        consent=client.consent,
    )


def _feedback(rng: random.Random, client: DemoClient, today: date) -> DemoFeedback:
    start = client.first_contact_on or client.referred_on
    return DemoFeedback(
        source=_weighted(
            rng,
            {
                FeedbackSource.CLIENT: 0.7,
                FeedbackSource.REFERRER: 0.1,
                FeedbackSource.FAMILY_CARER: 0.15,
                FeedbackSource.PARTNER_ORGANISATION: 0.05,
            },
        ),
        channel=rng.choice([c.value for c in FeedbackChannel]),
        formal=rng.random() < 0.3,
        received_on=min(today, start + timedelta(days=rng.randint(30, 150))),
        text=rng.choice(text.FEEDBACK_SENTENCES),
    )
