"""The web app: a thin layer over the services (application factory)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, make_response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import MethodNotAllowed

from spstories import __version__
from spstories.paths import INSTANCE_DIR, STATIC_DIR, TEMPLATES_DIR
from spstories.web import access, api, db, proxies, unavailable
from spstories.web.config import load_config

csrf = CSRFProtect()


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    database_url: str | None = None,
    production: bool = False,
) -> Flask:
    """Create and configure an instance of the spstories web app.

    ``test_config`` replaces the instance file and environment (tests);
    ``database_url`` overrides whatever the configuration says; ``production`` (the WSGI
    entry point) refuses unsafe settings and believes the trusted proxies' headers.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    load_config(app, test_config, production=production)
    if database_url:
        app.config["DATABASE_URL"] = database_url
    csrf.init_app(app)
    db.init_app(app)
    access.init_app(app)
    unavailable.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = proxies.behind_proxies(app.wsgi_app, app.config["TRUSTED_PROXIES"])

    from spstories.web import (
        admin,
        audit_pages,
        auth,
        case_studies,
        client_rights,
        clients,
        codebooks,
        dashboard,
        exports,
        feedback,
        health,
        home,
        imports,
        jobs,
        reports,
        research,
        review,
        tokens,
        topics,
    )

    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens only, never the session cookie (web/api/auth.py)
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
        tokens,
        exports,
        health,
        client_rights,
        audit_pages,
    ):
        app.register_blueprint(module.bp)
    jobs.init_app(app)

    app.jinja_env.globals["app_version"] = __version__
    _register_error_pages(app)
    api.init_app(app)
    app.after_request(_security_headers)
    return app


def _register_error_pages(app: Flask) -> None:
    def page(status: int, title: str, message: str, **context: Any) -> tuple[str, int] | Response:
        if api.is_api_request():
            return api.error_response(status, api.NAMES[status], message)
        return render_template("error.html", title=title, message=message, **context), status

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
    def method_not_allowed(error: MethodNotAllowed) -> Response:
        response = make_response(
            page(405, "Not allowed", "This address does not accept that request.")
        )
        # HTTP requires a 405 to say which methods the address does accept.
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
        return response

    app.register_error_handler(405, method_not_allowed)
    app.register_error_handler(
        413,
        lambda e: page(
            413,
            "File too large",
            f"Uploads can be at most {app.config['MAX_CONTENT_LENGTH'] // 2**20} MB; "
            "nothing was saved.",
        ),
    )
    app.register_error_handler(
        500,
        lambda e: page(
            500,
            "Something went wrong",
            "The app could not finish this request and has logged the problem. Go back and "
            "try again; if it happens again, tell your administrator what you were doing.",
            current_user=None,  # the navigation would read the database, which may be at fault
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
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
