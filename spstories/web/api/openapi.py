"""The OpenAPI 3.1 document, built from the declared operations and schemas."""

from __future__ import annotations

from typing import Any

from spstories import __version__
from spstories.web.api.registry import MAX_ID, OPERATIONS, Operation
from spstories.web.api.schemas import SCHEMAS, ref

DESCRIPTION = """\
Read the records of your organisations and push feedback and clients from other systems.

Authenticate with a personal API token (make one under *Account → API tokens*, or
`spstories tokens create`): `Authorization: Bearer spst_...`. A token acts as its user: the
same role rules as the web pages, only the user's organisations (another organisation's
record answers 404), and writes only with a token made with write access.

Lists come in pages in ascending id order: follow `links.next` (or pass `meta.next_cursor`
as `cursor`) until it is null. `since` returns records recorded (case studies: changed;
tags: made or reviewed) at or after a moment, for incremental syncs.

Narrative text (case studies, feedback, tag evidence) is sent only when the client's
consent allows internal use and, for case studies, once approved; it is always
de-identified, and otherwise null with the reason in `text_withheld`. Outcome counts
suppress small numbers as the dashboard does. Every call is recorded in the audit trail.
"""

ERRORS = {
    400: "The request's parameters or body are malformed.",
    401: "No token, or a token that is unknown, expired or revoked.",
    403: "The token's role may not do this, or the token is read-only.",
    404: "No such record in your organisations.",
    409: "The record was changed by someone else at the same moment; try again.",
    413: "The body is too large.",
    415: "Send the body as application/json.",
    422: "The body is well-formed but some fields are wrong (see `fields`).",
}


EXAMPLES = {
    "FeedbackInput": {"source": "client", "channel": "follow_up_call",
                      "received_on": "2026-01-05", "client_reference": "N-0042",
                      "text": "Since the walking group I feel far less lonely."},
    "ClientInput": {"reference": "N-0043", "age_band": "65-74", "gender": "female",
                    "area": "M14", "referral": {"referred_on": "2026-01-05", "source": "gp",
                                                "needs": ["loneliness"]}},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _success(op: Operation) -> dict[str, Any]:
    if op.response is None:
        return {"description": "Done."}
    if op.paginated:
        schema = {"type": "object", "required": ["data", "links", "meta"], "properties": {
            "data": {"type": "array", "items": ref(op.response)},
            "links": ref("Links"), "meta": ref("PageMeta")}}
        return {"description": "One page of records.", "content": _json(schema)}
    schema = {"type": "object", "required": ["data"], "properties": {"data": ref(op.response)}}
    out: dict[str, Any] = {"description": "The record.", "content": _json(schema)}
    if op.status == 201:
        out["description"] = "Created."
        out["headers"] = {"Location": {"schema": {"type": "string"},
                                       "description": "Where the new record can be read."}}
    return out


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = [{"name": name, "in": "path", "required": True, "example": 1,
               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
              for name in op.path_params]
    params += [{"name": p.name, "in": "query", "required": False,
                "description": p.description, "schema": p.schema()} for p in op.params]
    params += [{"name": h.name, "in": "header", "required": False,
                "description": h.description, "schema": h.schema()} for h in op.headers]
    return params


def _operation(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {str(op.status): _success(op)}
    errors = [401, 403]
    if op.params or op.body or op.headers:
        errors.append(400)
    if op.path_params:
        errors.append(404)
    if op.body:
        errors += [409, 413, 415, 422]
    if op.writes and op.headers:
        responses["200"] = {"description": "Already done: a retry with the same "
                            "Idempotency-Key returns the record made the first time.",
                            "content": _success(op)["content"]}
    for status in sorted(errors):
        responses[str(status)] = {"description": ERRORS[status], "content": _json(ref("Error"))}
    out: dict[str, Any] = {
        "operationId": op.endpoint.removeprefix("api."), "summary": op.summary,
        "tags": [op.tag], "parameters": _parameters(op), "responses": responses,
        "x-roles": sorted(r.value for r in op.roles),
    }
    if op.description:
        out["description"] = op.description
    if op.body:
        content = _json(ref(op.body))
        if op.body in EXAMPLES:
            content["application/json"]["example"] = EXAMPLES[op.body]
        out["requestBody"] = {"required": True, "content": content}
    return out


def document() -> dict[str, Any]:
    """The whole OpenAPI document for the operations registered so far."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "spstories API", "version": __version__,
                 "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A personal API token."}},
            "schemas": SCHEMAS,
        },
    }
