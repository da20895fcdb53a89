"""Configuration, in flaskr's order: defaults, instance file, environment, tests."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from spstories.paths import DEFAULT_DATABASE_URL


def _secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, made on first run."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    instance = Path(app.instance_path)
    app.config.from_mapping(
        DATABASE_URL=DEFAULT_DATABASE_URL,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_NAME="spstories_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),  # from login, however active
        SESSION_IDLE_TIMEOUT=timedelta(minutes=30),
        PROXY_FIX_X_FOR=0,  # reverse proxies in front that set X-Forwarded-For/-Proto
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        SMALL_NUMBER_THRESHOLD=5,
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
        raise RuntimeError(
            "DEBUG is set in the configuration (FLASK_DEBUG, SPSTORIES_DEBUG or "
            "instance/config.py): remove it; use `spstories serve --debug` on 127.0.0.1 "
            "for development."
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
