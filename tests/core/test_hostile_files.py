"""Hostile uploads against every reader of zip and XML files: real zip bombs (small on disk,
huge expanded), entries that leave the archive, symbolic links, lying size headers,
external entities and entity expansion ("billion laughs")."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from spstories.core import refiqda
from spstories.core.archives import ArchiveError, ZipLimits, open_zip
from spstories.core.importing import ImportFileError, read_table
from spstories.core.transcripts import TranscriptError, read_transcript

MiB = 1024 * 1024
SECRET = Path(__file__).resolve()  # a file an external entity would try to read
XXE = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{SECRET}">]>'.encode()
LAUGHS = b"<!DOCTYPE r [<!ENTITY a \"lol\">" + b"".join(
    f'<!ENTITY {b} "{("&" + a + ";") * 10}">'.encode()
    for a, b in zip("abcdefg", "bcdefgh", strict=True)) + b"]>"


def _zip(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name == symlink:
                info.external_attr = (0o120777 << 16)
            archive.writestr(info, data, compresslevel=1)
    return buffer.getvalue()


def _docx() -> dict[str, bytes]:
    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("Interviewer: How are you?")
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _xlsx() -> dict[str, bytes]:
    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["reference", "age_band"])
    book.active.append(["N-1", "25-34"])
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _qdpx() -> dict[str, bytes]:
    project = refiqda.Project(name="p", sources=[refiqda.Source(guid=refiqda.guid("s", 1),
                                                                 name="a", text="Hello there")])
    with zipfile.ZipFile(io.BytesIO(refiqda.write_qdpx(project))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


READERS = {
    "docx": (_docx, lambda data: read_transcript("t.docx", data), TranscriptError),
    "xlsx": (_xlsx, lambda data: read_table(data, "clients.xlsx"), ImportFileError),
    "qdpx": (_qdpx, refiqda.read_qdpx, refiqda.RefiQdaError),
}


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A real zip bomb: 256 MB of zeros in a file of about a megabyte."""
    data = _zip({"bomb.bin": b"\0" * (256 * MiB)})
    assert len(data) < 2 * MiB
    return data


def test_a_zip_bomb_is_refused_from_its_directory(bomb):
    with pytest.raises(ArchiveError, match=r"expands to more than|zip bomb"):
        open_zip(bomb, "the file")


@pytest.mark.parametrize("kind", READERS)
def test_each_reader_reads_its_good_file(kind):
    make, read, _ = READERS[kind]
    read(_zip(make()))  # the guard lets real files through


@pytest.mark.parametrize("kind", READERS)
def test_each_reader_refuses_a_zip_bomb_before_expanding_it(kind):
    make, read, error = READERS[kind]
    bomb = {"extra/padding.bin": b"\0" * (40 * MiB)}  # 40 MB in about 40 KB
    with pytest.raises(error, match="zip bomb"):
        read(_zip({**make(), **bomb}))


def test_many_small_entries_that_add_up_are_refused():
    # Each entry is under the ratio check's floor; together they pass the total allowed.
    filler = {f"pad/{i}.bin": b"\0" * (2 * MiB) for i in range(11)}
    with pytest.raises(ArchiveError, match="expands to more than 20 MB"):
        open_zip(_zip(filler), "the file", limits=ZipLimits(max_total_bytes=20 * MiB))


@pytest.mark.parametrize("kind", READERS)
@pytest.mark.parametrize("name", ["../../etc/cron.d/x", "/etc/passwd", "C:/Windows/x.txt",
                                  "sources\\..\\..\\x.txt", "a/../../b"])
def test_each_reader_refuses_entries_that_leave_the_archive(kind, name):
    make, read, error = READERS[kind]
    with pytest.raises(error, match=r"path|'\.\.'"):
        read(_zip({**make(), name: b"x"}))


@pytest.mark.parametrize("kind", READERS)
def test_each_reader_refuses_symbolic_links(kind):
    make, read, error = READERS[kind]
    with pytest.raises(error, match="symbolic link"):
        read(_zip({**make(), "link": b"/etc/passwd"}, symlink="link"))


def test_too_many_entries_are_refused():
    with pytest.raises(ArchiveError, match="more than 10 files"):
        open_zip(_zip({f"{i}.txt": b"x" for i in range(11)}), "the file",
                 limits=ZipLimits(max_members=10))


def test_an_entry_that_lies_about_its_size_stops_at_the_size_it_declared():
    data = bytearray(_zip({"project.qde": b"<x/>" + b" " * 5000}))
    # Patch the declared size, in the local header and the central directory, to 10 bytes.
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, 10)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)
    with pytest.raises(refiqda.RefiQdaError, match=r"cannot be read|CRC"):
        refiqda.read_qdpx(bytes(data))


def test_a_file_of_another_kind_is_refused_by_content_not_name():
    with pytest.raises(ImportFileError, match="not the kind of file expected"):
        read_table(_zip(_docx()), "clients.xlsx")
    with pytest.raises(TranscriptError, match="not the kind of file expected"):
        read_transcript("t.docx", _zip(_xlsx()))


def _with_doctype(xml: bytes, doctype: bytes, body: bytes = b"&xxe;") -> bytes:
    head, _, rest = xml.partition(b"?>")
    root_end = rest.index(b">") + 1
    return head + b"?>" + doctype + rest[:root_end] + body + rest[root_end:]


def test_qdpx_and_qdc_refuse_external_entities_and_entity_expansion():
    qde = refiqda.project_xml(refiqda.Project(name="p"))
    for doctype, body in ((XXE, b"&xxe;"), (LAUGHS, b"&h;")):
        with pytest.raises(refiqda.RefiQdaError, match="DTD"):
            refiqda.read_qdpx(_zip({"project.qde": _with_doctype(qde, doctype, body)}))
        codebook = refiqda.codebook_xml([refiqda.Code(guid=refiqda.guid("c", 1), name="x")])
        with pytest.raises(refiqda.RefiQdaError, match="DTD"):
            refiqda.read_qdc(_with_doctype(codebook, doctype, body))


@pytest.mark.parametrize(("doctype", "entity"), [(XXE, b"&xxe;"), (LAUGHS, b"&h;")])
def test_docx_never_resolves_entities(doctype, entity):
    members = _docx()
    xml = members["word/document.xml"]
    members["word/document.xml"] = xml.replace(b"How are you?", entity, 1).replace(
        b"?>", b"?>" + doctype, 1)
    try:
        transcript = read_transcript("t.docx", _zip(members))
    except TranscriptError:
        return  # refused outright: also safe
    assert "test_hostile_files" not in transcript.text  # the file was not read in
    assert "lol" not in transcript.text  # the entities were not expanded


@pytest.mark.parametrize(("doctype", "entity"), [(XXE, b"&xxe;"), (LAUGHS, b"&h;")])
def test_xlsx_refuses_entities(doctype, entity):
    members = _xlsx()
    sheet = "xl/worksheets/sheet1.xml"
    strings = members.get("xl/sharedStrings.xml")
    target = "xl/sharedStrings.xml" if strings and b"N-1" in strings else sheet
    members[target] = members[target].replace(b"N-1", entity, 1).replace(
        b"?>", b"?>" + doctype, 1)
    with pytest.raises(ImportFileError):
        read_table(_zip(members), "clients.xlsx")


@pytest.mark.parametrize("name", ["t.txt", "t.md", "t.vtt", "t.srt"])
def test_a_binary_file_named_as_text_is_refused(name):
    with pytest.raises(TranscriptError, match="not text"):
        read_transcript(name, b"%PDF-1.7\n\x00\x01\x02 binary")
