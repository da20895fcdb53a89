"""One client's story in date order: referrals, measures with change, case studies, feedback."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from spstories.core.measures import (
    Change,
    Instrument,
    classify_change,
    get_instrument,
    pair_baseline_follow_up,
    parse_timepoint,
)
from spstories.core.vocabulary import (
    CaseStudyStatus,
    FeedbackChannel,
    FeedbackSource,
    PresentingNeed,
    ReferralSource,
    ReferralStatus,
    ReviewState,
)
from spstories.errors import MeasureError
from spstories.services.measures import MODE_LABELS
from spstories.storage.models import (
    CaseStudy,
    Client,
    Code,
    Feedback,
    MeasureResponse,
    Referral,
    Tag,
    User,
)
from spstories.storage.queries import scoped

KIND_ORDER = {"referral": 0, "measure": 1, "case_study": 2, "feedback": 3}


@dataclass(frozen=True)
class ScoreLine:
    """One scale of a response, with its change since the client's baseline when there is one."""

    scale: str
    label: str
    value: float
    integer_valued: bool = False
    band: str | None = None
    baseline: float | None = None
    change: float | None = None
    classification: Change | None = None
    threshold: float | None = None

    def _fmt(self, value: float | None, sign: str = "") -> str:
        if value is None:
            return ""
        return f"{value:{sign}.0f}" if self.integer_valued else f"{value:{sign}.2f}"

    @property
    def value_text(self) -> str:
        return self._fmt(self.value)

    @property
    def baseline_text(self) -> str:
        return self._fmt(self.baseline)

    @property
    def change_text(self) -> str:
        return self._fmt(self.change, "+")


@dataclass(frozen=True)
class TagCount:
    """How many accepted or suggested tags of one code and polarity a document carries."""

    code: str
    label: str
    polarity: str
    count: int


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event; ``kind`` is referral, measure, case_study or feedback."""

    kind: str
    on: date
    title: str
    record: Any
    scores: tuple[ScoreLine, ...] = ()
    tags: tuple[TagCount, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutcomePair:
    """The baseline and follow-up the core pairs up for one instrument and reported scale."""

    instrument: str
    scale_label: str
    baseline_on: date | None = None
    baseline: str = ""
    follow_up_on: date | None = None
    follow_up: str = ""
    change: str = ""
    classification: Change | None = None
    excluded_modified: int = 0
    reason: str | None = None


def timeline(session: Session, user: User, client: Client) -> list[TimelineEntry]:
    """Everything recorded about ``client`` that ``user`` may see, oldest first."""
    entries = [_referral_entry(r) for r in _rows(session, user, Referral, client)]
    responses = _responses(session, user, client)
    for instrument_id, group in _by_instrument(responses).items():
        instrument = _instrument(instrument_id)
        baselines = _baselines(instrument, group) if instrument else {}
        entries += [_measure_entry(instrument, r, baselines) for r in group]
    case_studies = _rows(session, user, CaseStudy, client)
    counts = _tag_counts(session, user, Tag.case_study_id, [cs.id for cs in case_studies])
    entries += [_case_study_entry(cs, counts.get(cs.id, ())) for cs in case_studies]
    feedback = _rows(session, user, Feedback, client)
    counts = _tag_counts(session, user, Tag.feedback_id, [f.id for f in feedback])
    entries += [_feedback_entry(f, counts.get(f.id, ())) for f in feedback]
    return sorted(entries, key=lambda e: (e.on, KIND_ORDER[e.kind], e.record.id))


def outcome_pairs(session: Session, user: User, client: Client) -> list[OutcomePair]:
    """Per instrument, its primary scale (or each scale) paired baseline to follow-up."""
    pairs = []
    for instrument_id, group in _by_instrument(_responses(session, user, client)).items():
        instrument = _instrument(instrument_id)
        if instrument is None:
            continue
        views = [_view(r) for r in group]
        reported = (instrument.primary_scale,) if instrument.primary_scale else instrument.scale_ids
        for scale_id in reported:
            if not any(scale_id in view["scales"] for view in views):
                continue  # nothing recorded on this scale
            pairing = pair_baseline_follow_up(views, scale=scale_id)
            scale = instrument.scale(scale_id)
            pair = OutcomePair(
                instrument.short_name,
                scale.label,
                excluded_modified=pairing.excluded_modified,
                reason=pairing.reason,
            )
            if pairing.baseline is not None:
                base = pairing.baseline["scales"][scale_id]
                pair = replace(
                    pair,
                    baseline_on=pairing.baseline["date"],
                    baseline=ScoreLine(scale_id, "", base, scale.integer_valued).value_text,
                )
                if pairing.follow_up is not None:
                    line = _with_change(
                        instrument,
                        ScoreLine(
                            scale_id,
                            scale.label,
                            pairing.follow_up["scales"][scale_id],
                            scale.integer_valued,
                        ),
                        base,
                    )
                    pair = replace(
                        pair,
                        follow_up_on=pairing.follow_up["date"],
                        follow_up=line.value_text,
                        change=line.change_text,
                        classification=line.classification,
                    )
            pairs.append(pair)
    return pairs


def _rows(session: Session, user: User, model: Any, client: Client) -> list[Any]:
    stmt = scoped(select(model), model, user).where(model.client_id == client.id)
    return list(session.scalars(stmt.order_by(model.id)))


def _responses(session: Session, user: User, client: Client) -> list[MeasureResponse]:
    stmt = (
        scoped(select(MeasureResponse), MeasureResponse, user)
        .where(MeasureResponse.client_id == client.id)
        .options(selectinload(MeasureResponse.scores))
    )
    return list(session.scalars(stmt.order_by(MeasureResponse.administered_on, MeasureResponse.id)))


def _by_instrument(responses: Sequence[MeasureResponse]) -> dict[str, list[MeasureResponse]]:
    groups: dict[str, list[MeasureResponse]] = defaultdict(list)
    for response in responses:
        groups[response.instrument].append(response)
    return groups


def _instrument(instrument_id: str) -> Instrument | None:
    try:
        return get_instrument(instrument_id)
    except MeasureError:
        return None  # a scheme's own instrument whose file is not loaded: show scores only


def _view(response: MeasureResponse) -> dict[str, Any]:
    """The shape the core's pairing rule reads."""
    return {
        "timepoint": response.timepoint,
        "review_number": response.review_number,
        "date": response.administered_on,
        "modified": response.modified,
        "scales": {s.scale: s.value for s in response.scores},
        "response": response,
    }


def _baselines(
    instrument: Instrument, group: Sequence[MeasureResponse]
) -> dict[str, tuple[MeasureResponse, float]]:
    """Per scale, the baseline the core's rule picks (earliest standard baseline)."""
    views = [_view(r) for r in group]
    found = {}
    for scale in instrument.scale_ids:
        pairing = pair_baseline_follow_up(views, scale=scale)
        if pairing.baseline is not None:
            found[scale] = (pairing.baseline["response"], pairing.baseline["scales"][scale])
    return found


def _measure_entry(
    instrument: Instrument | None,
    response: MeasureResponse,
    baselines: dict[str, tuple[MeasureResponse, float]],
) -> TimelineEntry:
    timepoint = str(parse_timepoint(response.timepoint, response.review_number))
    name = instrument.short_name if instrument else response.instrument
    values = {s.scale: s for s in response.scores}
    order = instrument.scale_ids if instrument else tuple(values)
    lines = []
    for scale_id in order:
        if scale_id not in values:
            continue
        stored = values[scale_id]
        if instrument is None:
            lines.append(ScoreLine(scale_id, scale_id, stored.value, band=stored.band))
            continue
        scale = instrument.scale(scale_id)
        line = ScoreLine(scale_id, scale.label, stored.value, scale.integer_valued, stored.band)
        base = baselines.get(scale_id)
        if base is not None and _comparable(response, base[0]):
            line = _with_change(instrument, line, base[1])
        lines.append(line)
    return TimelineEntry(
        "measure",
        response.administered_on,
        f"{name}: {timepoint}",
        response,
        scores=tuple(lines),
        notes=_measure_notes(instrument, response),
    )


def _comparable(response: MeasureResponse, baseline: MeasureResponse) -> bool:
    # Modified administrations are never compared silently with standard ones.
    return (
        response.id != baseline.id
        and not response.modified
        and response.timepoint != "baseline"
        and response.administered_on > baseline.administered_on
    )


def _with_change(instrument: Instrument, line: ScoreLine, baseline: float) -> ScoreLine:
    threshold = instrument.meaningful_change.get(line.scale)
    classification: Change | None = None
    if threshold is not None:
        try:
            classification = classify_change(instrument, line.scale, baseline, line.value)
        except MeasureError:
            classification = None  # a stored value outside the scale: show the numbers only
    return ScoreLine(
        line.scale,
        line.label,
        line.value,
        line.integer_valued,
        line.band,
        baseline,
        line.value - baseline,
        classification,
        threshold,
    )


def _measure_notes(instrument: Instrument | None, response: MeasureResponse) -> tuple[str, ...]:
    mode = MODE_LABELS.get(response.administration_mode, response.administration_mode)
    notes = [f"{mode}, version {response.instrument_version}"]
    if instrument is not None:
        values = {s.scale: s.value for s in response.scores}
        notes += [
            f"Flag: {flag.label}"
            for flag in instrument.flags
            if flag.scale in values and flag.applies(values[flag.scale])
        ]
        missing = [item.label for item in instrument.items if response.answers.get(item.id) is None]
        if missing:
            notes.append(f"Not answered: {', '.join(missing)}")
    if response.modified:
        notes.append(
            f"Modified administration: {response.modification_note}. Not compared "
            "with the baseline and left out of statistics by default."
        )
    return tuple(notes)


def _tag_counts(
    session: Session, user: User, column: Any, ids: Sequence[int]
) -> dict[int, tuple[TagCount, ...]]:
    if not ids:
        return {}
    stmt = scoped(select(column, Code.key, Code.label, Tag.polarity, func.count()), Tag, user)
    stmt = (
        stmt.join(Code, Tag.code_id == Code.id)
        .where(column.in_(ids), Tag.review_state != ReviewState.REJECTED.value)
        .group_by(column, Code.key, Code.label, Tag.polarity)
    )
    found: dict[int, list[TagCount]] = defaultdict(list)
    for doc_id, key, label, polarity, count in session.execute(stmt):
        found[doc_id].append(TagCount(key, label, polarity, count))
    return {
        doc_id: tuple(sorted(tags, key=lambda t: (-t.count, t.label, t.polarity)))
        for doc_id, tags in found.items()
    }


def _referral_entry(referral: Referral) -> TimelineEntry:
    notes = [f"Status: {ReferralStatus(referral.status).label}"]
    if referral.service:
        notes.append(f"Service: {referral.service}")
    if referral.needs:
        notes.append("Needs: " + ", ".join(PresentingNeed(n).label for n in referral.needs))
    if referral.first_contact_on:
        notes.append(f"First contact: {referral.first_contact_on:%d %b %Y}")
    if referral.closed_on:
        notes.append(f"Closed: {referral.closed_on:%d %b %Y}")
    return TimelineEntry(
        "referral",
        referral.referred_on,
        f"Referral from {ReferralSource(referral.source).label}",
        referral,
        notes=tuple(notes),
    )


def _case_study_entry(case_study: CaseStudy, tags: tuple[TagCount, ...]) -> TimelineEntry:
    # A case study has no event date of its own; when it was submitted (or started) is it.
    on = (case_study.submitted_at or case_study.created_at).date()
    status = CaseStudyStatus(case_study.status).label
    return TimelineEntry(
        "case_study",
        on,
        f"Case study: {case_study.title}",
        case_study,
        tags=tags,
        notes=(f"Status: {status}",),
    )


def _feedback_entry(item: Feedback, tags: tuple[TagCount, ...]) -> TimelineEntry:
    title = (
        f"Feedback: {FeedbackSource(item.source).label}, "
        f"{FeedbackChannel(item.channel).label.lower()}"
    )
    return TimelineEntry(
        "feedback",
        item.received_on,
        title,
        item,
        tags=tags,
        notes=("Formal feedback",) if item.formal else (),
    )
