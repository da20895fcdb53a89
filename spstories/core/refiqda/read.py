"""Reading REFI-QDA files from other tools. They are untrusted: XML is parsed with
defusedxml (no DTDs, no entities), zips are checked by ``core.archives`` before anything is
expanded, and member names are never used as paths."""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from spstories.core.archives import ArchiveError, MiB, ZipLimits, open_zip, read_member
from spstories.core.refiqda.model import (
    Case,
    Code,
    Coding,
    Note,
    Project,
    Selection,
    Source,
    User,
    Variable,
)
from spstories.core.refiqda.write import CODEBOOK_NS, PROJECT_NS

MAX_ARCHIVE_BYTES = 50 * MiB
LIMITS = ZipLimits(max_members=5000, max_total_bytes=200 * MiB)
_INTERNAL = re.compile(r"^internal://([\w.{}-]+)$")


class RefiQdaError(ValueError):
    """The file is not a REFI-QDA file we can read; the message says why."""


def _parse(data: bytes, what: str) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise RefiQdaError(f"{what}: DTDs and entities are not allowed") from exc
    except SafeET.ParseError as exc:
        raise RefiQdaError(f"{what} is not well-formed XML ({exc})") from exc


def _children(element: Element, ns: str, tag: str) -> list[Element]:
    return element.findall(f"{{{ns}}}{tag}")


def _text(element: Element, ns: str, tag: str) -> str:
    found = element.find(f"{{{ns}}}{tag}")
    return (found.text or "") if found is not None else ""


def _refs(element: Element, ns: str, tag: str) -> list[str]:
    return [ref.get("targetGUID", "") for ref in _children(element, ns, tag)]


def _codes(holder: Element | None, ns: str) -> list[Code]:
    if holder is None:
        return []
    return [
        Code(guid=el.get("guid", ""), name=el.get("name", ""), colour=el.get("color"),
             description=_text(el, ns, "Description"), children=_codes(el, ns),
             note_guids=_refs(el, ns, "NoteRef"))
        for el in _children(holder, ns, "Code")
    ]


def read_qdc(data: bytes) -> list[Code]:
    """The code tree of a ``.qdc`` codebook."""
    root = _parse(data, "the codebook")
    if root.tag != f"{{{CODEBOOK_NS}}}CodeBook":
        raise RefiQdaError("not a REFI-QDA codebook (root element must be CodeBook)")
    return _codes(root.find(f"{{{CODEBOOK_NS}}}Codes"), CODEBOOK_NS)


def _values(element: Element, ns: str) -> dict[str, str]:
    values = {}
    for holder in _children(element, ns, "VariableValue"):
        ref = holder.find(f"{{{ns}}}VariableRef")
        value = next((child.text or "" for child in holder if child is not ref), "")
        if ref is not None:
            values[ref.get("targetGUID", "")] = value
    return values


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _coding(element: Element, ns: str) -> Coding | None:
    ref = element.find(f"{{{ns}}}CodeRef")
    if ref is None:
        return None
    return Coding(element.get("guid", ""), ref.get("targetGUID", ""),
                  element.get("creatingUser"), _when(element.get("creationDateTime")))


def _source(el: Element, files: dict[str, bytes]) -> Source:
    ns = PROJECT_NS
    text = _text(el, ns, "PlainTextContent")
    path = el.get("plainTextPath")
    if path:
        match = _INTERNAL.match(path)
        if not match or match.group(1) not in files:
            raise RefiQdaError(f"source {el.get('name')!r}: its text {path!r} is not in the file")
        text = files[match.group(1)].decode("utf-8-sig")
    selections = []
    for sel in _children(el, ns, "PlainTextSelection"):
        start, end = int(sel.get("startPosition", "0")), int(sel.get("endPosition", "0"))
        if not 0 <= start < end <= len(text):
            raise RefiQdaError(f"source {el.get('name')!r}: selection {start}-{end} is outside it")
        codings = [c for c in (_coding(x, ns) for x in _children(sel, ns, "Coding")) if c]
        selections.append(Selection(sel.get("guid", ""), start, end, codings,
                                    _refs(sel, ns, "NoteRef"), sel.get("creatingUser"),
                                    sel.get("name")))
    # A coding on the source itself codes the whole text.
    whole = [c for c in (_coding(x, ns) for x in _children(el, ns, "Coding")) if c]
    if whole and text:
        selections.append(Selection(whole[0].guid + "-all", 0, len(text), whole))
    return Source(el.get("guid", ""), el.get("name") or "Untitled source", text, selections,
                  _refs(el, ns, "NoteRef"), _values(el, ns), el.get("creatingUser"))


def read_project(qde: bytes, files: dict[str, bytes] | None = None) -> Project:
    """A project from ``project.qde``; ``files`` are the texts in ``sources/`` by file name."""
    ns, files = PROJECT_NS, files or {}
    root = _parse(qde, "project.qde")
    if root.tag != f"{{{ns}}}Project":
        raise RefiQdaError("not a REFI-QDA project (root element must be Project)")
    project = Project(name=root.get("name", "Imported project"),
                      origin=root.get("origin", ""), description=_text(root, ns, "Description"),
                      note_guids=_refs(root, ns, "NoteRef"))
    users = root.find(f"{{{ns}}}Users")
    for el in _children(users, ns, "User") if users is not None else []:
        project.users.append(User(el.get("guid", ""), el.get("name") or el.get("id") or "?"))
    codebook = root.find(f"{{{ns}}}CodeBook")
    if codebook is not None:
        project.codes = _codes(codebook.find(f"{{{ns}}}Codes"), ns)
    variables = root.find(f"{{{ns}}}Variables")
    for el in _children(variables, ns, "Variable") if variables is not None else []:
        project.variables.append(Variable(el.get("guid", ""), el.get("name", "")))
    cases = root.find(f"{{{ns}}}Cases")
    for el in _children(cases, ns, "Case") if cases is not None else []:
        project.cases.append(Case(el.get("guid", ""), el.get("name", ""), _values(el, ns),
                                  _refs(el, ns, "SourceRef")))
    sources = root.find(f"{{{ns}}}Sources")
    for el in list(sources) if sources is not None else []:
        if el.tag == f"{{{ns}}}TextSource":
            project.sources.append(_source(el, files))
        else:
            project.skipped.append(f"{el.tag.split('}')[-1]} {el.get('name')!r}")
    notes = root.find(f"{{{ns}}}Notes")
    for el in _children(notes, ns, "Note") if notes is not None else []:
        project.notes.append(Note(el.get("guid", ""), el.get("name") or "Note",
                                  _text(el, ns, "PlainTextContent"), el.get("creatingUser")))
    return project


def read_qdpx(data: bytes) -> Project:
    """A project from a ``.qdpx`` zip, checked for size and member names before reading."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise RefiQdaError(f"the file is larger than {MAX_ARCHIVE_BYTES // MiB} MB")
    try:
        with open_zip(data, "the .qdpx file", limits=LIMITS) as archive:
            members = archive.infolist()
            qde = next((m for m in members if m.filename.lower() == "project.qde"), None)
            if qde is None:
                raise RefiQdaError("the archive has no project.qde")
            files = {}
            for member in members:
                # Only sources/<plain name>.txt is read; names are dictionary keys, not paths.
                parts = member.filename.split("/")
                if len(parts) == 2 and parts[0].lower() == "sources" and parts[1].endswith(".txt"):
                    files[parts[1]] = read_member(archive, member, "the .qdpx file")
            return read_project(read_member(archive, qde, "the .qdpx file"), files)
    except ArchiveError as exc:
        raise RefiQdaError(str(exc)) from None
