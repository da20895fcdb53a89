"""Filters read from the query string: dates and whole numbers, with messages in words."""

from __future__ import annotations

from datetime import date

from flask import request


def date_arg(name: str, label: str, errors: list[str]) -> date | None:
    """The ISO date in ``name``, or None; a bad one adds a message to ``errors``."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{label}: use the form 2026-03-31.")
        return None


def int_arg(name: str) -> int | None:
    """The whole number in ``name``, or None."""
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() else None
