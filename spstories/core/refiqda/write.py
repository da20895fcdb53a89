"""Writing REFI-QDA codebooks (.qdc) and projects (.qdpx: project.qde + sources/)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from spstories.core.refiqda.model import Code, Note, Project, Source

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"


def _el(parent: ET.Element, ns: str, tag: str, **attrs: str | None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}")
    for key, value in attrs.items():
        if value is not None:
            element.set(key, value)
    return element


def _text(parent: ET.Element, ns: str, tag: str, text: str) -> None:
    _el(parent, ns, tag).text = text


def _when(moment: datetime | None) -> str | None:
    return moment.replace(microsecond=0).isoformat() if moment else None


def _code(parent: ET.Element, ns: str, code: Code, with_notes: bool) -> None:
    element = _el(parent, ns, "Code", guid=code.guid, name=code.name, isCodable="true",
                  color=code.colour)
    if code.description:
        _text(element, ns, "Description", code.description)
    if with_notes:
        for note in code.note_guids:
            _el(element, ns, "NoteRef", targetGUID=note)
    for child in code.children:
        _code(element, ns, child, with_notes)


def _serialise(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def codebook_xml(codes: Sequence[Code], origin: str = "spstories") -> bytes:
    """A ``.qdc`` codebook (valid against Codebook.xsd)."""
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", origin=origin)
    holder = _el(root, CODEBOOK_NS, "Codes")
    for code in codes:
        _code(holder, CODEBOOK_NS, code, with_notes=False)
    return _serialise(root, CODEBOOK_NS)


def source_path(source: Source) -> str:
    return f"{source.guid}.txt"


def _source(parent: ET.Element, source: Source) -> None:
    ns = PROJECT_NS
    element = _el(parent, ns, "TextSource", guid=source.guid, name=source.name,
                  plainTextPath=f"internal://{source_path(source)}",
                  creatingUser=source.user_guid)
    for selection in source.selections:
        sel = _el(element, ns, "PlainTextSelection", guid=selection.guid, name=selection.name,
                  startPosition=str(selection.start), endPosition=str(selection.end),
                  creatingUser=selection.user_guid)
        for coding in selection.codings:
            c = _el(sel, ns, "Coding", guid=coding.guid, creatingUser=coding.user_guid,
                    creationDateTime=_when(coding.created))
            _el(c, ns, "CodeRef", targetGUID=coding.code_guid)
        for note in selection.note_guids:
            _el(sel, ns, "NoteRef", targetGUID=note)
    for note in source.note_guids:
        _el(element, ns, "NoteRef", targetGUID=note)
    _values(element, source.values)


def _values(parent: ET.Element, values: dict[str, str]) -> None:
    for variable, value in values.items():
        holder = _el(parent, PROJECT_NS, "VariableValue")
        _el(holder, PROJECT_NS, "VariableRef", targetGUID=variable)
        _text(holder, PROJECT_NS, "TextValue", value)


def _note(parent: ET.Element, note: Note) -> None:
    element = _el(parent, PROJECT_NS, "Note", guid=note.guid, name=note.name,
                  creatingUser=note.user_guid)
    _text(element, PROJECT_NS, "PlainTextContent", note.text)


def project_xml(project: Project) -> bytes:
    """``project.qde`` (valid against Project.xsd); source texts go in ``sources/``."""
    ns = PROJECT_NS
    root = ET.Element(f"{{{ns}}}Project", name=project.name, origin=project.origin)
    if project.users:
        users = _el(root, ns, "Users")
        for user in project.users:
            _el(users, ns, "User", guid=user.guid, name=user.name)
    if project.codes:
        codes = _el(_el(root, ns, "CodeBook"), ns, "Codes")
        for code in project.codes:
            _code(codes, ns, code, with_notes=True)
    if project.variables:
        variables = _el(root, ns, "Variables")
        for variable in project.variables:
            _el(variables, ns, "Variable", guid=variable.guid, name=variable.name,
                typeOfVariable="Text")
    if project.cases:
        cases = _el(root, ns, "Cases")
        for case in project.cases:
            element = _el(cases, ns, "Case", guid=case.guid, name=case.name)
            _values(element, case.values)
            for source in case.source_guids:
                _el(element, ns, "SourceRef", targetGUID=source)
    if project.sources:
        sources = _el(root, ns, "Sources")
        for source in project.sources:
            _source(sources, source)
    if project.notes:
        notes = _el(root, ns, "Notes")
        for note in project.notes:
            _note(notes, note)
    if project.description:
        _text(root, ns, "Description", project.description)
    for note in project.note_guids:
        _el(root, ns, "NoteRef", targetGUID=note)
    return _serialise(root, ns)


def write_qdpx(project: Project) -> bytes:
    """The ``.qdpx`` zip: ``project.qde`` and one UTF-8 text file per source."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(project))
        for source in project.sources:
            archive.writestr(f"sources/{source_path(source)}", source.text.encode("utf-8"))
    return buffer.getvalue()
