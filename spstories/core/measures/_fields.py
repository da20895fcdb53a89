"""Field-by-field reading of definition files, with errors that say exactly where."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from spstories.core.measures.instruments import MeasureDefinitionError

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class FieldContext:
    """Where we are in a file, so every error names file, instrument and field."""

    path: str
    instrument: str | None

    def fail(self, field: str | None, message: str) -> NoReturn:
        """Raise MeasureDefinitionError for ``field`` here."""
        raise MeasureDefinitionError(
            message, path=self.path, instrument=self.instrument, field=field
        )

    def check_keys(self, raw: Any, where: str | None, allowed: Any, required: Any) -> None:
        """``raw`` must be a mapping with only ``allowed`` keys and every ``required`` one."""
        if not isinstance(raw, dict):
            self.fail(where, f"expected a mapping, got {type(raw).__name__}")
        for key in raw:
            if key not in allowed:
                self.fail(
                    join_field(where, str(key)),
                    f"unknown key (allowed: {', '.join(sorted(allowed))})",
                )
        for key in sorted(set(required) - raw.keys()):
            self.fail(join_field(where, key), "is required")

    def ident(self, value: Any, where: str) -> str:
        """An id: lower-case letters, digits and underscores, starting with a letter."""
        if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
            self.fail(where, f"must be lower-case letters, digits and '_', got {value!r}")
        return value

    def text(self, value: Any, where: str) -> str:
        """Non-empty text, stripped."""
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"must be non-empty text, got {value!r}")
        return value.strip()

    def integer(self, value: Any, where: str) -> int:
        """A whole number (YAML booleans are refused)."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be a whole number, got {value!r}")
        return value

    def number(self, value: Any, where: str) -> float:
        """A finite number."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(where, f"must be a number, got {value!r}")
        return float(value)

    def choice(self, value: Any, where: str, enum: type[E]) -> E:
        """One of the values of ``enum``."""
        options = [member.value for member in enum]
        if value not in options:
            self.fail(where, f"must be one of {', '.join(options)}, got {value!r}")
        return enum(value)


def join_field(where: str | None, key: str) -> str:
    """Dotted field path: ``scales.who5_raw`` + ``bands``."""
    return f"{where}.{key}" if where else key
