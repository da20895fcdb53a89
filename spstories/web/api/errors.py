"""API errors: always JSON ``{"error": ..., "detail": ...}`` with the right status, never HTML."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

PREFIX = "/api/"
log = logging.getLogger(__name__)

# status -> the short machine-readable name of the error
NAMES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
    413: "too_large", 415: "unsupported_media_type", 422: "validation_failed",
    500: "server_error",
}


class ApiError(Exception):
    """An error answer: status, a short name, what went wrong and, for input, by field."""

    def __init__(self, status: int, error: str, detail: str,
                 fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.fields = status, error, detail, fields


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def error_response(status: int, error: str, detail: str,
                   fields: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"error": error, "detail": detail}
    if fields:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="spstories"'
    return response


def http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    response = error_response(status, NAMES.get(status, "error"),
                              exc.description or "The request cannot be answered.")
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def register(bp: Any) -> None:
    """JSON errors for the API's views: its own errors, HTTP errors, anything unexpected."""
    bp.register_error_handler(ApiError, lambda e: error_response(e.status, e.error, e.detail,
                                                                  e.fields))
    bp.register_error_handler(HTTPException, http_error)

    def unexpected(exc: Exception) -> Response:
        log.exception("API request failed: %s %s", request.method, request.path)
        return error_response(500, "server_error",
                              "Something went wrong on the server; nothing was changed.")

    bp.register_error_handler(Exception, unexpected)


def init_app(app: Flask) -> None:
    # Errors raised before any API view runs (no such URL, wrong method) reach the app's
    # handlers; under /api/ they answer JSON too.
    def routing_error(exc: HTTPException) -> Any:
        return http_error(exc) if is_api_request() else exc

    app.register_error_handler(HTTPException, routing_error)
