"""The web app: a thin layer over the services (application factory)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect

from spstories import __version__
from spstories.paths import INSTANCE_DIR, STATIC_DIR, TEMPLATES_DIR
from spstories.web import access, db
from spstories.web.config import load_config

csrf = CSRFProtect()


def create_app(
    test_config: Mapping[str, Any] | None = None, *, database_url: str | None = None
) -> Flask:
    """Create and configure an instance of the spstories web app.

    ``test_config`` replaces the instance file and environment (tests);
    ``database_url`` overrides whatever the configuration says.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    load_config(app, test_config)
    if database_url:
        app.config["DATABASE_URL"] = database_url
    csrf.init_app(app)
    db.init_app(app)
    access.init_app(app)

    from spstories.web import (
        admin,
        audit_pages,
        auth,
        case_studies,
        client_rights,
        clients,
        codebooks,
        dashboard,
        feedback,
        home,
        imports,
        jobs,
        reports,
        research,
        review,
        topics,
    )

    for module in (
        auth,
        home,
        admin,
        clients,
        case_studies,
        feedback,
        codebooks,
        imports,
        jobs,
        dashboard,
        research,
        topics,
        reports,
        review,
        client_rights,
        audit_pages,
    ):
        app.register_blueprint(module.bp)
    jobs.init_app(app)

    app.jinja_env.globals["app_version"] = __version__
    _register_error_pages(app)
    app.after_request(_security_headers)
    return app


def _register_error_pages(app: Flask) -> None:
    def page(status: int, title: str, message: str) -> tuple[str, int]:
        return render_template("error.html", title=title, message=message), status

    app.register_error_handler(
        CSRFError,
        lambda e: page(
            400,
            "Form expired",
            "The form was open too long or came from elsewhere. Go back, reload the "
            "page and try again; nothing was saved.",
        ),
    )
    app.register_error_handler(
        403, lambda e: page(403, "Not allowed", "Your role does not give access to this page.")
    )
    app.register_error_handler(
        404,
        lambda e: page(
            404, "Not found", "There is nothing here, or it belongs to another organisation."
        ),
    )


def _security_headers(response: Any) -> Any:
    # Everything the app needs is served from its own origin; inline scripts are
    # never needed, so a stored-XSS payload that slipped through could not run.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
