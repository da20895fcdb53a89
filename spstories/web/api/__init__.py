"""The JSON API under /api/v1/: token-authenticated, organisation-scoped, paginated.

Operations are declared in ``resources`` and ``writes`` through ``registry.operation``,
which also feeds the OpenAPI document served at /api/v1/openapi.json. Role rules:
``roles.ROLES``. Narrative text: ``services.sharing``. See docs/api.md.
"""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.wrappers import Response

from spstories.web.access import public
from spstories.web.api import auth, errors, openapi, resources, writes  # noqa: F401 - routes
from spstories.web.api.errors import NAMES, error_response, is_api_request
from spstories.web.api.registry import bp

__all__ = ["NAMES", "bp", "error_response", "init_app", "is_api_request"]


@bp.route("/openapi.json")
@public
def openapi_document() -> Response:
    """The API's description; public, as it holds no data."""
    return jsonify(openapi.document())


bp.before_request(auth.authenticate)
errors.register(bp)


def init_app(app: Flask) -> None:
    errors.init_app(app)
