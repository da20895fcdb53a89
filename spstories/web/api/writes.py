"""Write operations: feedback and clients pushed from other systems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from spstories.services import api_writes
from spstories.storage.models import ApiToken, User
from spstories.web.api.auth import current_token, current_user
from spstories.web.api.errors import ApiError
from spstories.web.api.registry import Param, operation
from spstories.web.api.schemas import SCHEMAS
from spstories.web.api.validation import problems
from spstories.web.db import get_db

IDEMPOTENCY_KEY = Param(
    "Idempotency-Key", "string", "Any unique string (e.g. a UUID) for this write: a retry "
    "with the same key returns the record the first call made, never a second one.",
    max_length=200)

Create = Callable[[Session, User, ApiToken, dict[str, Any], str | None], api_writes.Written]
Read = Callable[[Session, User, int], dict[str, Any]]


def _body(schema: str) -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "bad_request", "The body is not valid JSON.")
    found = problems(body, SCHEMAS[schema])
    if found:
        raise ApiError(422, "validation_failed", "Some fields are wrong; see fields.",
                       fields=found)
    return body  # type: ignore[no-any-return]


def _key() -> str | None:
    raw = request.headers.get(IDEMPOTENCY_KEY.name)
    return None if raw is None else IDEMPOTENCY_KEY.parse(raw.strip()) or None


def _write(schema: str, resource: str, create: Create, read: Read, endpoint: str,
           id_name: str) -> Response:
    body, key = _body(schema), _key()
    db, user, token = get_db(), current_user(), current_token()
    try:
        written = create(db, user, token, body, key)
        db.commit()
    except api_writes.WriteError as exc:
        db.rollback()
        raise ApiError(422, "validation_failed", "Some fields are wrong; see fields.",
                       fields=exc.fields) from None
    except IntegrityError:
        # A concurrent call made the same record (same key, or the same client reference).
        db.rollback()
        written = api_writes.replay(db, token, key, resource) if key else None
        if written is None:
            raise ApiError(409, "conflict", "The same record was made by another call at the "
                           "same moment; nothing of this call was kept.") from None
    try:
        record = read(db, user, written.id)
    except api_writes.WriteError as exc:
        raise ApiError(422, "validation_failed", "The key was used before.",
                       fields=exc.fields) from None
    response = jsonify(data=record)
    response.status_code = 200 if written.replayed else 201
    response.headers["Location"] = url_for(endpoint, **{id_name: written.id})
    return response


@operation("POST", "/feedback", "create_feedback", summary="Record an item of feedback",
           tag="Narratives", response="Feedback", body="FeedbackInput", writes=True,
           status=201, headers=(IDEMPOTENCY_KEY,),
           description="Validated as the feedback form is; tagged as it is saved. Needs a "
                       "token with write access.")
def create_feedback(query: dict[str, Any]) -> Response:
    return _write("FeedbackInput", "feedback", api_writes.create_feedback,
                  api_writes.feedback_record, "api.get_feedback", "feedback_id")


@operation("POST", "/clients", "create_client", summary="Add a client, with a referral",
           tag="Clients", response="ClientWithReferrals", body="ClientInput", writes=True,
           status=201, headers=(IDEMPOTENCY_KEY,),
           description="Validated as the new-client form is: a pseudonymous reference (never "
                       "a name), unique in the organisation; the postcode district only. "
                       "Needs a token with write access.")
def create_client(query: dict[str, Any]) -> Response:
    return _write("ClientInput", "client", api_writes.create_client,
                  api_writes.client_record, "api.get_client", "client_id")
