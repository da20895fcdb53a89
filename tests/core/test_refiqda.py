"""REFI-QDA files are valid against the published schemas, and read back what was written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from spstories.core import refiqda
from spstories.core.refiqda import Code, Coding, Note, Project, Selection, Source, User, guid

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda"


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _project() -> Project:
    child = Code(guid("c", "b"), "Less alone", "#00703c", "Fewer lonely days")
    root = Code(guid("c", "a"), "Connection", "#1d70b8", children=[child],
                note_guids=[guid("n", 1)])
    text = "I was lonely. Now I go to the walking group."
    return Project(
        name="Demo", users=[User(guid("u", 1), "Ann")], codes=[root],
        sources=[Source(guid("s", 1), "Interview 1", text, selections=[
            Selection(guid("sel", 1), 14, 44, [Coding(guid("cd", 1), child.guid, guid("u", 1))],
                      [guid("n", 2)])])],
        notes=[Note(guid("n", 1), "Code memo", "Think about it"),
               Note(guid("n", 2), "Segment memo", "Strong example")],
        variables=[refiqda.Variable(guid("v", 1), "role")],
    )


def test_guids_are_deterministic():
    assert guid("project", 1, "code", "x") == guid("project", 1, "code", "x")
    assert guid("project", 1, "code", "x") != guid("project", 2, "code", "x")


def test_codebook_is_valid_and_reads_back():
    data = refiqda.codebook_xml(_project().codes)
    _schema("Codebook.xsd").assertValid(etree.fromstring(data))
    codes = refiqda.read_qdc(data)
    assert codes[0].name == "Connection"
    assert codes[0].children[0].description == "Fewer lonely days"


def test_project_is_valid_and_round_trips():
    original = _project()
    original.sources[0].values = {guid("v", 1): "client"}
    data = refiqda.write_qdpx(original)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        qde = archive.read("project.qde")
        assert f"sources/{original.sources[0].guid}.txt" in archive.namelist()
    _schema("Project.xsd").assertValid(etree.fromstring(qde))
    back = refiqda.read_qdpx(data)
    source = back.sources[0]
    assert source.text == original.sources[0].text
    assert (source.selections[0].start, source.selections[0].end) == (14, 44)
    assert source.selections[0].codings[0].code_guid == guid("c", "b")
    assert [n.text for n in back.notes] == ["Think about it", "Strong example"]
    assert back.codes[0].note_guids == [guid("n", 1)]
    assert source.values == {guid("v", 1): "client"}
    assert refiqda.write_qdpx(back) == data


def test_entities_are_refused():
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>')
    with pytest.raises(refiqda.RefiQdaError, match="DTD"):
        refiqda.read_qdc(evil)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_source_paths_cannot_escape_the_archive():
    qde = refiqda.project_xml(_project()).replace(
        b"internal://", b"internal://../../etc/passwd#")
    with pytest.raises(refiqda.RefiQdaError, match="not in the file"):
        refiqda.read_qdpx(_zip({"project.qde": qde}))


def test_not_a_zip_and_missing_project_are_explained():
    with pytest.raises(refiqda.RefiQdaError, match="zip"):
        refiqda.read_qdpx(b"hello")
    with pytest.raises(refiqda.RefiQdaError, match=r"project\.qde"):
        refiqda.read_qdpx(_zip({"other.txt": b"x"}))
