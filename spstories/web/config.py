"""Configuration, in flaskr's order: defaults, instance file, environment, tests.

In production (the WSGI entry point) the secret key must be given, never made up: a key
written to one server's instance folder would differ between servers and vanish with a
container, and an IG review expects secrets to come from the environment or a secret store.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from spstories.errors import SpstoriesError
from spstories.paths import DEFAULT_DATABASE_URL

MIN_SECRET_LENGTH = 32


class ConfigurationError(SpstoriesError):
    """The app cannot start safely with this configuration; says what to set."""


def _secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, made on first run."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(
    app: Flask, test_config: Mapping[str, Any] | None, *, production: bool = False
) -> None:
    """Load settings; refuse debug mode from any setting, and in ``production`` refuse to
    start without a strong secret key or with session cookies that would travel over plain
    HTTP."""
    instance = Path(app.instance_path)
    app.config.from_mapping(
        DATABASE_URL=DEFAULT_DATABASE_URL,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_NAME="spstories_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),  # from login, however active
        SESSION_IDLE_TIMEOUT=timedelta(minutes=30),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        SMALL_NUMBER_THRESHOLD=5,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are believed.
        TRUSTED_PROXIES=1 if production else 0,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("SPSTORIES")
        if os.environ.get("DATABASE_URL"):
            app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(test_config)
    for key in ("PERMANENT_SESSION_LIFETIME", "SESSION_IDLE_TIMEOUT"):
        if not isinstance(app.config[key], timedelta):  # from the environment: seconds
            app.config[key] = timedelta(seconds=int(app.config[key]))
    if app.config.get("DEBUG"):
        # The Werkzeug debugger runs any code sent to it: only `spstories serve --debug`
        # on the loopback address may turn it on, never a setting that could reach production.
        raise ConfigurationError(
            "Debug mode is for development only: DEBUG is set in the configuration "
            "(SPSTORIES_DEBUG, FLASK_DEBUG or instance/config.py); remove it, and use "
            "`spstories serve --debug` on 127.0.0.1 to develop."
        )
    if production:
        check_production(app.config)
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)


def check_production(config: Mapping[str, Any]) -> None:
    """Raise ConfigurationError for settings that are unsafe outside development."""
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        raise ConfigurationError(
            "SPSTORIES_SECRET_KEY is not set. Set it to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters, the same on every server, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_hex(32))' (docs/deployment.md)."
        )
    if len(str(secret)) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"SPSTORIES_SECRET_KEY is too short: use at least {MIN_SECRET_LENGTH} random "
            "characters (docs/deployment.md)."
        )
    if not config.get("SESSION_COOKIE_SECURE"):
        raise ConfigurationError(
            "SESSION_COOKIE_SECURE is off: in production the app is served over HTTPS "
            "(behind a reverse proxy) and session cookies must be Secure."
        )
    proxies = config.get("TRUSTED_PROXIES")
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        raise ConfigurationError(
            f"SPSTORIES_TRUSTED_PROXIES must be a whole number of proxies, not {proxies!r}."
        )
