"""Recording outcome-measure responses: validated, scored and stored in one step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from spstories.core.measures import (
    ADMINISTRATION_MODES,
    Instrument,
    Score,
    Timepoint,
    get_instrument,
    parse_timepoint,
    score,
    validate_answers,
)
from spstories.errors import MeasureError, MeasureValidationError
from spstories.services import audit
from spstories.storage.models import Client, MeasureResponse, MeasureScore, User

MODE_LABELS = {"self_completed": "Self-completed", "read_aloud": "Read aloud", "phone": "By phone"}
MAX_NOTE_LENGTH = 2000


class ResponseEntryError(MeasureValidationError):
    """Everything wrong with one response: the core's item problems and the details'.

    ``item_problems`` are the core's ``(item id or None, message)`` pairs; ``fields`` maps a
    detail (``timepoint``, ``review_number``, ``administered_on``, ``administration_mode``,
    ``modification_note``) to its message, so a form can show each beside its input.
    """

    def __init__(
        self, item_problems: list[tuple[str | None, str]], fields: Mapping[str, str]
    ) -> None:
        self.item_problems = list(item_problems)
        self.fields = dict(fields)
        super().__init__([*self.item_problems, *((None, m) for m in self.fields.values())])


def check_response(
    instrument: Instrument,
    *,
    answers: Mapping[str, object],
    timepoint: str,
    administered_on: date | None,
    administration_mode: str = "self_completed",
    review_number: int | None = None,
    modified: bool = False,
    modification_note: str | None = None,
) -> tuple[Timepoint, Score]:
    """The parsed timepoint and the score, or ResponseEntryError listing every problem."""
    fields: dict[str, str] = {}
    parsed: Timepoint | None = None
    try:
        parsed = parse_timepoint(timepoint, review_number)
    except MeasureError as exc:
        text = timepoint.strip().lower() if isinstance(timepoint, str) else ""
        if text == "review":
            fields["review_number"] = (
                "Enter the review number: 1 for the first review, 2 for the second."
            )
        elif not text:
            fields["timepoint"] = "Choose the timepoint: baseline, a review or exit."
        else:
            fields["timepoint"] = f"Check the timepoint: {exc}."
    if parsed is not None and parsed.kind not in instrument.timepoints:
        allowed = ", ".join(instrument.timepoints)
        fields["timepoint"] = f"{instrument.short_name} is recorded at: {allowed}."
    if administered_on is None:
        fields["administered_on"] = "Enter the date it was completed, e.g. 2026-03-14."
    elif administered_on > date.today():
        fields["administered_on"] = "The date cannot be in the future."
    if administration_mode not in ADMINISTRATION_MODES:
        fields["administration_mode"] = "Choose how it was administered."
    note = (modification_note or "").strip()
    if modified and not note:
        # Modified responses are kept out of statistics; the reason must be on record.
        fields["modification_note"] = (
            "Describe how the administration was modified, e.g. 'read aloud with a 0-10 scale'."
        )
    elif len(note) > MAX_NOTE_LENGTH:
        fields["modification_note"] = f"Keep the description under {MAX_NOTE_LENGTH} characters."
    item_problems = validate_answers(instrument, answers)
    result: Score | None = None
    if not item_problems:
        try:
            result = score(instrument, answers)  # type: ignore[arg-type]  # validated above
        except MeasureValidationError as exc:
            item_problems = exc.problems
    if item_problems or fields or parsed is None or result is None:
        raise ResponseEntryError(item_problems, fields)
    return parsed, result


def record_response(
    session: Session,
    client: Client,
    *,
    instrument_id: str,
    answers: Mapping[str, int | None],
    timepoint: str,
    administered_on: date | None,
    administration_mode: str = "self_completed",
    review_number: int | None = None,
    modified: bool = False,
    modification_note: str | None = None,
    actor: User | None = None,
) -> MeasureResponse:
    """Score ``answers`` exactly as the instrument's owners publish and store them.

    Raises ``ResponseEntryError`` (a ``MeasureValidationError`` naming each item and
    detail at fault) before anything is stored; ``MeasureError`` for an unknown
    instrument or a client outside the actor's organisations.
    """
    if actor is not None and client.organisation_id not in actor.organisation_ids:
        raise MeasureError("This client belongs to another organisation.")
    instrument = get_instrument(instrument_id)
    parsed, result = check_response(
        instrument,
        answers=answers,
        timepoint=timepoint,
        administered_on=administered_on,
        administration_mode=administration_mode,
        review_number=review_number,
        modified=modified,
        modification_note=modification_note,
    )
    response = MeasureResponse(
        organisation_id=client.organisation_id,
        client_id=client.id,
        instrument=instrument.id,
        instrument_version=instrument.version,
        # Stored as kind + number so "review" groups in SQL and pairs in the core.
        timepoint=parsed.kind,
        review_number=parsed.number,
        administered_on=administered_on,
        administered_by_id=actor.id if actor else None,
        administration_mode=administration_mode,
        modified=modified,
        modification_note=(modification_note or "").strip() if modified else None,
        answers={item.id: answers.get(item.id) for item in instrument.items},
        scores=[
            MeasureScore(scale=scale, value=value, band=result.bands.get(scale))
            for scale, value in result.scales.items()
        ],
    )
    session.add(response)
    session.flush()
    audit.record(
        session,
        "measure.record",
        user=actor,
        obj=response,
        instrument=instrument.id,
        timepoint=str(parsed),
    )
    return response
