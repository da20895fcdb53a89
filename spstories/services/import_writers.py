"""Bulk inserts for imports: one statement per table, rows already validated.

Used by ``spstories.services.imports`` once a whole file has passed every check; each
writer returns how many records it created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from spstories.core.corpus.engines import Engine
from spstories.core.importing import ParsedRow
from spstories.core.measures import get_instrument
from spstories.services.codebooks import latest_version
from spstories.services.tagging import OUTCOMES_CODEBOOK, Target, save_machine_tags, tag_texts
from spstories.storage.models import (
    Client,
    Feedback,
    MeasureResponse,
    MeasureScore,
    Organisation,
    Referral,
    User,
)
from spstories.storage.models.base import utcnow


def insert_clients(session: Session, org: Organisation, user: User, rows: list[ParsedRow]) -> int:
    now = utcnow()
    names = ("reference", "age_band", "gender", "ethnic_group", "area", "imd_decile")
    return _bulk(
        session,
        Client,
        (
            {"organisation_id": org.id, "created_at": now, **{n: p.values[n] for n in names}}
            for p in rows
        ),
    )


def insert_referrals(session: Session, org: Organisation, user: User, rows: list[ParsedRow]) -> int:
    now = utcnow()
    names = (
        "client_id",
        "referred_on",
        "source",
        "service",
        "reasons",
        "status",
        "first_contact_on",
        "closed_on",
    )
    return _bulk(
        session,
        Referral,
        (
            {
                "organisation_id": org.id,
                "created_at": now,
                "link_worker_id": None,
                "needs": p.values["needs"] or [],
                **{n: p.values[n] for n in names},
            }
            for p in rows
        ),
    )


def insert_feedback(
    session: Session,
    org: Organisation,
    user: User,
    rows: list[ParsedRow],
    *,
    engine: Engine | None = None,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Feedback is tagged as it is stored, like feedback recorded by hand: every text is
    tagged first (on ``engine`` when given; ``progress(n)`` as ``n`` more are done), then
    the items and their tags are inserted in bulk."""
    if not rows:
        return 0
    codebook = latest_version(session, OUTCOMES_CODEBOOK)  # looked up once, not per item
    texts = [p.values["text"] for p in rows]
    found = (tag_texts(codebook, texts, engine=engine, progress=progress) if codebook
             else [[] for _ in texts])
    now = utcnow()
    names = ("client_id", "source", "channel", "formal", "received_on", "text")
    ids = session.scalars(
        insert(Feedback).returning(Feedback.id, sort_by_parameter_order=True),
        [
            {
                "organisation_id": org.id,
                "created_at": now,
                "recorded_by_id": user.id,
                **{n: p.values[n] for n in names},
            }
            for p in rows
        ],
    ).all()
    if codebook is not None:
        units = [
            (Target("feedback_id", item_id, org.id, p.values["client_id"]), "text")
            for item_id, p in zip(ids, rows, strict=True)
        ]
        save_machine_tags(session, units, found, codebook, replace=False)
    return len(ids)


def insert_measures(session: Session, org: Organisation, user: User, rows: list[ParsedRow]) -> int:
    """Responses first (ids returned in row order), then one row per scored scale."""
    if not rows:
        return 0
    now = utcnow()
    responses = []
    for p in rows:
        values, result = p.values, p.values["score"]
        item_ids = get_instrument(values["instrument"]).item_ids
        modified = values["modified"]
        responses.append(
            {
                "organisation_id": org.id,
                "client_id": values["client_id"],
                "instrument": result.instrument_id,
                "instrument_version": result.instrument_version,
                "timepoint": values["timepoint"].kind,
                "review_number": values["timepoint"].number,
                "administered_on": values["administered_on"],
                "administered_by_id": None,
                "administration_mode": values["administration_mode"],
                "modified": modified,
                "modification_note": values["modification_note"] if modified else None,
                "answers": {item: values[f"item_{n}"] for n, item in enumerate(item_ids, start=1)},
                "created_at": now,
            }
        )
    ids = session.scalars(
        insert(MeasureResponse).returning(MeasureResponse.id, sort_by_parameter_order=True),
        responses,
    ).all()
    scores = [
        {
            "response_id": response_id,
            "scale": scale,
            "value": value,
            "band": p.values["score"].bands.get(scale),
        }
        for response_id, p in zip(ids, rows, strict=True)
        for scale, value in p.values["score"].scales.items()
    ]
    if scores:
        session.execute(insert(MeasureScore), scores)
    return len(ids)


def _bulk(session: Session, model: type, rows: Iterable[dict[str, Any]]) -> int:
    batch = list(rows)
    if batch:
        session.execute(insert(model), batch)
    return len(batch)


# Each writer takes (session, organisation, user, rows); feedback also takes the engine
# that tags it and a progress callback.
WRITERS: dict[str, Callable[..., int]] = {
    "clients": insert_clients,
    "referrals": insert_referrals,
    "measures": insert_measures,
    "feedback": insert_feedback,
}
