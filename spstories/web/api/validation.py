"""Checking a JSON request body against its schema, with a message per field.

Only the schema features ``schemas`` uses are read (type, enum, format date, lengths,
bounds, required, additionalProperties false, items, $ref): a body that passes is of the
shapes the services expect; what the services check beyond shape (dates not in the future,
a client that exists) they report by field as well.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from spstories.web.api.schemas import SCHEMAS

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def problems(value: Any, schema: dict[str, Any], where: str = "") -> dict[str, str]:
    """Field path -> message for everything wrong with ``value``; empty when it is valid."""
    schema = _resolve(schema)
    name = where or "body"
    if "anyOf" in schema:
        found = [problems(value, option, where) for option in schema["anyOf"]]
        return {} if any(not f for f in found) else found[0]
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    if kinds and not any(_is(value, k) for k in kinds):
        wanted = " or ".join("a number" if k in ("integer", "number") else f"{k}" for k in kinds)
        return {name: f"expected {wanted}"}
    if value is None:
        return {}
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"] if v is not None)
        return {name: f"expected one of {allowed}"}
    if isinstance(value, str):
        return _string(value, schema, name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return {name: f"at least {schema['minimum']}"}
        if "maximum" in schema and value > schema["maximum"]:
            return {name: f"at most {schema['maximum']}"}
        return {}
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return {name: f"at most {schema['maxItems']} items"}
        out: dict[str, str] = {}
        for i, item in enumerate(value):
            out.update(problems(item, schema.get("items", {}), f"{name}[{i}]"))
        return out
    if isinstance(value, dict):
        return _object(value, schema, where)
    return {}


def _string(value: str, schema: dict[str, Any], name: str) -> dict[str, str]:
    if "\x00" in value:  # no database column can hold it (PostgreSQL refuses it outright)
        return {name: "must not contain NUL characters"}
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escaped in the JSON ("\ud800")
        return {name: "must be valid Unicode text"}
    if len(value) < schema.get("minLength", 0):
        return {name: "must not be empty" if schema["minLength"] == 1
                else f"at least {schema['minLength']} characters"}
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return {name: f"at most {schema['maxLength']:,} characters"}
    if schema.get("format") == "date":
        try:
            if not _DATE.fullmatch(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            return {name: "expected a date such as 2026-03-31"}
    return {}


def _object(value: dict[str, Any], schema: dict[str, Any], where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    properties = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in value:
            out[f"{where}.{key}" if where else key] = "is required"
    if schema.get("additionalProperties") is False:
        for key in value:
            if key not in properties:
                out[f"{where}.{key}" if where else key] = "is not a field of this record"
    for key, item in value.items():
        if key in properties:
            out.update(problems(item, properties[key], f"{where}.{key}" if where else key))
    return out
