"""Recording outcome-measure responses: validated, scored and stored in one step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from spstories.core.measures import get_instrument, score
from spstories.services import audit
from spstories.storage.models import Client, MeasureResponse, MeasureScore, User


def record_response(
    session: Session,
    client: Client,
    *,
    instrument_id: str,
    answers: Mapping[str, int | None],
    timepoint: str,
    administered_on: date,
    administration_mode: str = "self_completed",
    review_number: int | None = None,
    modified: bool = False,
    modification_note: str | None = None,
    actor: User | None = None,
) -> MeasureResponse:
    """Score ``answers`` exactly as the instrument's owners publish and store them.

    Raises the core's ``MeasureError`` (naming the item) before anything is stored.
    """
    instrument = get_instrument(instrument_id)
    result = score(instrument, answers)
    response = MeasureResponse(
        organisation_id=client.organisation_id,
        client_id=client.id,
        instrument=instrument.id,
        instrument_version=instrument.version,
        timepoint=timepoint,
        review_number=review_number,
        administered_on=administered_on,
        administered_by_id=actor.id if actor else None,
        administration_mode=administration_mode,
        modified=modified,
        modification_note=modification_note if modified else None,
        answers=dict(answers),
        scores=[
            MeasureScore(scale=scale, value=value, band=result.bands.get(scale))
            for scale, value in result.scales.items()
        ],
    )
    session.add(response)
    session.flush()
    audit.record(session, "measure.record", user=actor, obj=response,
                 instrument=instrument.id, timepoint=timepoint)
    return response
