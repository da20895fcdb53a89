"""``/healthz``: is this app process able to serve? For load balancers and monitoring.

Open to anyone (a load balancer does not log in), so it says only whether the database
answers and which schema revision it is at: no data, no counts, no addresses, no versions
of software, no error text.
"""

from __future__ import annotations

import logging
from functools import cache

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from spstories.storage.db import current_revision, head_revision
from spstories.web.access import public

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@cache
def _expected_revision() -> str | None:
    return head_revision()


@bp.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """200 when the database answers at the schema the code needs; 503 otherwise."""
    engine = current_app.extensions["spstories.engine"]
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        log.warning("health check: database unavailable (%s)", type(exc).__name__)
        return jsonify(status="unavailable", database="unavailable"), 503
    expected = _expected_revision()
    if revision != expected:
        return (
            jsonify(status="unavailable", database="ok", schema=revision, schema_needed=expected),
            503,
        )
    return jsonify(status="ok", database="ok", schema=revision), 200
