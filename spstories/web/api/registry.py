"""API operations declared once: the Flask route and the OpenAPI description come from here.

``operation(...)`` registers a view on the API blueprint *and* records its method, path,
parameters, body, responses and roles, so ``openapi.document()`` describes exactly the routes
that exist (tests check both directions).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, request

from spstories.web.api.errors import ApiError
from spstories.web.api.roles import ROLES

F = TypeVar("F", bound=Callable[..., Any])
MAX_ID = 2**31 - 1  # ids are 32-bit in every supported database
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class Param:
    """A query parameter: how it is described and how it is read."""

    name: str
    kind: str  # integer, string, boolean, date, date-time
    description: str
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    default: Any = None

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any]
        if self.kind in ("date", "date-time"):
            out = {"type": "string", "format": self.kind}
        else:
            out = {"type": self.kind}
        if self.enum:
            out["enum"] = list(self.enum)
        for key, value in (("minimum", self.minimum), ("maximum", self.maximum),
                           ("maxLength", self.max_length), ("default", self.default)):
            if value is not None:
                out[key] = value
        return out

    def parse(self, raw: str) -> Any:
        """The value, or ``ApiError`` naming the parameter."""
        def bad(message: str) -> ApiError:
            return ApiError(400, "invalid_parameter", f"{self.name}: {message}",
                            fields={self.name: message})

        if "\x00" in raw:  # no database column can hold it (PostgreSQL refuses it outright)
            raise bad("must not contain NUL characters")
        if self.kind == "integer":
            if not re.fullmatch(r"-?\d{1,12}", raw):
                raise bad("expected a whole number")
            value: Any = int(raw)
            if (self.minimum is not None and value < self.minimum) or (
                    self.maximum is not None and value > self.maximum):
                raise bad(f"expected a number from {self.minimum} to {self.maximum}")
            return value
        if self.kind == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise bad("expected true or false")
            return raw.lower() in ("true", "1")
        if self.kind == "date":
            try:
                if not _DATE.fullmatch(raw):
                    raise ValueError
                return date.fromisoformat(raw)
            except ValueError:
                raise bad("expected a date such as 2026-03-31") from None
        if self.kind == "date-time":
            return parse_datetime(raw, bad)
        if self.max_length is not None and len(raw) > self.max_length:
            raise bad(f"at most {self.max_length} characters")
        if self.enum and raw not in self.enum:
            raise bad(f"expected one of {', '.join(self.enum)}")
        return raw


def parse_datetime(raw: str, bad: Callable[[str], ApiError]) -> datetime:
    """An RFC 3339 date-time; without an offset it is taken as UTC."""
    text = raw.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?",
                        text):
        raise bad("expected a date-time such as 2026-03-31T09:00:00Z")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # Python reads at most microseconds
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # no such moment, or outside what UTC can hold
        raise bad("expected a date-time such as 2026-03-31T09:00:00Z") from None


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    path: str  # OpenAPI form: /clients/{client_id}
    summary: str
    description: str
    tag: str
    params: tuple[Param, ...] = ()
    response: str | None = None  # a schema name in schemas.SCHEMAS
    paginated: bool = False
    body: str | None = None
    writes: bool = False
    status: int = 200
    headers: tuple[Param, ...] = ()
    responses: dict[int, str] = field(default_factory=dict)  # extra status -> description
    content_type: str = "application/json"

    @property
    def roles(self) -> frozenset[Any]:
        return ROLES[self.endpoint]

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


OPERATIONS: list[Operation] = []


def _flask_rule(path: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<int:\1>", path)


def operation(method: str, path: str, name: str, *, summary: str, description: str = "",
              tag: str, **options: Any) -> Callable[[F], F]:
    """Declare an API operation and register its view on the blueprint."""
    endpoint = f"api.{name}"
    if endpoint not in ROLES:
        raise LookupError(f"{endpoint} has no roles in spstories.web.api.roles.ROLES")

    def decorate(view: F) -> F:
        op = Operation(endpoint, method, path, summary, description, tag, **options)

        @wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            if any(not 1 <= value <= MAX_ID for value in kwargs.values()):
                abort(404)  # larger than any id: nothing can be there
            known = {p.name for p in op.params}
            unknown = sorted(set(request.args) - known)
            if unknown:  # a misspelt filter must not silently widen what is returned
                message = "not a parameter of this operation" + (
                    f" (it takes {', '.join(sorted(known))})" if known else "")
                raise ApiError(400, "invalid_parameter", f"{unknown[0]}: {message}",
                               fields={name: message for name in unknown})
            repeated = sorted(k for k in known if len(request.args.getlist(k)) > 1)
            if repeated:
                raise ApiError(400, "invalid_parameter", f"{repeated[0]}: give it once",
                               fields={name: "give it once" for name in repeated})
            query = {p.name: p.parse(request.args[p.name]) if p.name in request.args
                     else p.default for p in op.params}
            return view(query, **kwargs)

        wrapped.allowed_roles = op.roles  # type: ignore[attr-defined]
        wrapped.token_auth = True  # type: ignore[attr-defined]
        wrapped.operation = op  # type: ignore[attr-defined]
        bp.add_url_rule(_flask_rule(path), name, wrapped, methods=[method])
        OPERATIONS.append(op)
        return wrapped  # type: ignore[return-value]

    return decorate
