"""REFI-QDA (QDA-XML 1.0) projects as plain values: what the writer takes and the reader gives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

# Fixed namespace: the same object exported twice gets the same GUID, so other tools
# recognise a re-imported code or document instead of duplicating it.
SPSTORIES_NAMESPACE = uuid.UUID("6f1c1f4e-3b0e-5d8e-9a57-2f3c0c6a8d11")


def guid(*parts: object) -> str:
    """A deterministic GUID for the object named by ``parts`` (``"project", 3, "code", "x"``)."""
    return str(uuid.uuid5(SPSTORIES_NAMESPACE, "/".join(str(p) for p in parts)))


@dataclass
class User:
    guid: str
    name: str


@dataclass
class Code:
    guid: str
    name: str
    colour: str | None = None
    description: str = ""
    children: list[Code] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)

    def walk(self, parent: Code | None = None):  # type: ignore[no-untyped-def]
        """(code, parent) for this code and every code below it."""
        yield self, parent
        for child in self.children:
            yield from child.walk(self)


@dataclass
class Coding:
    guid: str
    code_guid: str
    user_guid: str | None = None
    created: datetime | None = None


@dataclass
class Selection:
    guid: str
    start: int
    end: int
    codings: list[Coding] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)
    user_guid: str | None = None
    name: str | None = None


@dataclass
class Variable:
    guid: str
    name: str


@dataclass
class Source:
    guid: str
    name: str
    text: str
    selections: list[Selection] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # variable guid -> value
    user_guid: str | None = None


@dataclass
class Note:
    guid: str
    name: str
    text: str
    user_guid: str | None = None


@dataclass
class Case:
    guid: str
    name: str
    values: dict[str, str] = field(default_factory=dict)
    source_guids: list[str] = field(default_factory=list)


@dataclass
class Project:
    name: str
    users: list[User] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    description: str = ""
    note_guids: list[str] = field(default_factory=list)
    origin: str = "spstories"
    skipped: list[str] = field(default_factory=list)  # what the reader could not take in

    def all_codes(self) -> list[tuple[Code, Code | None]]:
        return [pair for code in self.codes for pair in code.walk()]
