"""Moving research projects in and out: REFI-QDA (.qdpx, .qdc), YAML, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from openpyxl import Workbook
from sqlalchemy.orm import Session

from spstories.core import codebook_edit, refiqda
from spstories.core.codebook_edit import TreeCode
from spstories.core.refiqda import guid
from spstories.services.research import (
    ReadOnlyError,
    ResearchError,
    _record,
    add_memo,
    can_change,
    coders,
    documents,
    memos,
    named_coder,
    require_change,
    save_codebook,
    tree,
)
from spstories.services.research_coding import codings
from spstories.storage.models import Coding, ProjectDocument, ResearchProject, User

SEGMENT_COLUMNS = ("document", "document_id", "code", "code_label", "text", "coder",
                   "coder_kind", "origin", "settled", "start", "end")


def _codes(project: ResearchProject) -> list[refiqda.Code]:
    by_key = {c.key: refiqda.Code(guid("project", project.id, "code", c.key), c.label, c.colour,
                                  c.definition) for c in project.codes}
    roots = []
    for code in project.codes:
        node = by_key[code.key]
        parent = by_key.get(code.parent_key or "")
        (parent.children if parent else roots).append(node)
    return roots


def codebook_qdc(project: ResearchProject) -> bytes:
    return refiqda.codebook_xml(_codes(project))


def codebook_yaml(project: ResearchProject) -> str:
    return codebook_edit.to_yaml(f"project-{project.id}", str(project.codebook_revision),
                                 project.name, tree(project), project.description)


def codebook_markdown(project: ResearchProject) -> str:
    return codebook_edit.to_markdown(f"project-{project.id}", str(project.codebook_revision),
                                     project.name, tree(project), project.description)


def import_codebook(session: Session, user: User, project: ResearchProject, filename: str,
                    data: bytes) -> int:
    """Merge codes from a .qdc or YAML codebook; returns how many codes were added."""
    require_change(user, project)
    try:
        if filename.lower().endswith(".qdc"):
            incoming = _tree_from_refi(refiqda.read_qdc(data), tree(project))
        else:
            _spec, incoming = codebook_edit.from_yaml(data.decode("utf-8"), filename)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResearchError(str(exc)) from exc
    current = tree(project)
    known = {c.key for c in current}
    added = [c for c in incoming if c.key not in known]
    save_codebook(session, user, project, [*current, *added], f"imported {filename}")
    return len(added)


def _tree_from_refi(roots: list[refiqda.Code], current: list[TreeCode]) -> list[TreeCode]:
    """REFI codes as tree codes, reusing the key of an existing code with the same name."""
    by_label = {c.label.casefold(): c.key for c in current}
    taken = [c.key for c in current]
    out: list[TreeCode] = []
    keys: dict[str, str] = {}
    for index, (code, parent) in enumerate(p for root in roots for p in root.walk()):
        key = by_label.get(code.name.casefold()) or codebook_edit.slug_key(code.name, taken)
        taken.append(key)
        keys[code.guid] = key
        out.append(TreeCode(key, code.name or key, keys.get(parent.guid) if parent else None,
                            code.description, codebook_edit.valid_colour(code.colour, index)))
    return out


def to_refi(session: Session, project: ResearchProject) -> refiqda.Project:
    """The project as a REFI-QDA project: every coder a user, codings on selections."""
    pid = project.id
    the_coders = coders(session, project)
    coder_guid = {c.id: c.guid for c in the_coders}
    notes, note_refs = [], {}
    for memo in memos(session, project):
        note = refiqda.Note(guid("project", pid, "memo", memo.id), memo.title, memo.text)
        notes.append(note)
        target = (("coding", memo.coding_id) if memo.coding_id else ("code", memo.code_key)
                  if memo.code_key else ("document", memo.document_id) if memo.document_id
                  else ("project", None))
        note_refs.setdefault(target, []).append(note.guid)
    codes = _codes(project)
    for root in codes:
        for code, _parent in root.walk():
            key = next(c.key for c in project.codes if guid("project", pid, "code", c.key)
                       == code.guid)
            code.note_guids = note_refs.get(("code", key), [])
    variables = sorted({name for d in documents(session, project) for name in d.attributes})
    var_guid = {name: guid("project", pid, "variable", name) for name in variables}
    sources, cases = [], {}
    all_codings = codings(session, project)
    for document in documents(session, project):
        source = refiqda.Source(
            document.guid or guid("project", pid, "document", document.id), document.title,
            document.text, note_guids=note_refs.get(("document", document.id), []),
            values={var_guid[k]: str(v) for k, v in document.attributes.items()})
        for coding in (c for c in all_codings if c.document_id == document.id):
            selection_guid = guid("project", pid, "coding", coding.id)
            source.selections.append(refiqda.Selection(
                selection_guid, coding.start_offset, coding.end_offset,
                [refiqda.Coding(guid("project", pid, "coding-of", coding.id),
                                guid("project", pid, "code", coding.code_key),
                                coder_guid[coding.coder_id], coding.created_at)],
                note_refs.get(("coding", coding.id), []), coder_guid[coding.coder_id]))
        sources.append(source)
        client = document.attributes.get("client")
        if client:
            case = cases.setdefault(client, refiqda.Case(
                guid("project", pid, "case", client), client,
                {var_guid[k]: str(v) for k, v in document.attributes.items()
                 if k in ("client", "age_band", "gender", "ethnic_group", "area", "imd_decile")}))
            case.source_guids.append(source.guid)
    return refiqda.Project(
        name=project.name, description=project.description,
        users=[refiqda.User(c.guid, c.name) for c in the_coders],
        codes=codes, variables=[refiqda.Variable(var_guid[n], n) for n in variables],
        cases=list(cases.values()), sources=sources, notes=notes,
        note_guids=note_refs.get(("project", None), []))


def require_text_export(user: User | None, project: ResearchProject) -> None:
    """Documents' text (and clients' attributes) leave the system only in researchers' hands.

    Managers read projects in the app; the codebook, which holds no client material, is
    the only thing they download.
    """
    if user is not None and not can_change(user, project):
        raise ReadOnlyError("only researchers of the project's organisation can export "
                            "its documents and coded segments")


def export_qdpx(session: Session, user: User | None, project: ResearchProject) -> bytes:
    require_text_export(user, project)
    data = refiqda.write_qdpx(to_refi(session, project))
    _record(session, "research.export.qdpx", user, project, size=len(data))
    return data


def import_qdpx(session: Session, user: User, project: ResearchProject, data: bytes) -> dict:
    """Add another tool's project: codes, documents, each of its users as a coder, memos."""
    require_change(user, project)
    try:
        incoming = refiqda.read_qdpx(data)
    except ValueError as exc:
        raise ResearchError(str(exc)) from exc
    current = tree(project)
    new_tree = _tree_from_refi(incoming.codes, current)
    code_key = dict(zip([c.guid for c, _ in incoming.all_codes()], [c.key for c in new_tree],
                        strict=True))
    known = {c.key for c in current}
    save_codebook(session, user, project, [*current, *(c for c in new_tree if c.key not in known)],
                  "imported from .qdpx")
    users = {u.guid: u.name for u in incoming.users}
    variables = {v.guid: v.name for v in incoming.variables}
    note_text = {n.guid: n for n in incoming.notes}
    counts = {"documents": 0, "codings": 0, "memos": 0}
    for source in incoming.sources:
        document = ProjectDocument(
            project_id=project.id, kind="imported", title=source.name[:200], text=source.text,
            guid=source.guid,
            attributes={variables.get(k, k): v for k, v in source.values.items()})
        session.add(document)
        session.flush()
        counts["documents"] += 1
        for selection in source.selections:
            first: Coding | None = None
            for coding in selection.codings:
                if coding.code_guid not in code_key:
                    continue
                name = users.get(coding.user_guid or selection.user_guid or "", "Imported coder")
                coder = named_coder(session, project, name, "imported",
                                    coding.user_guid or selection.user_guid)
                row = Coding(project_id=project.id, document_id=document.id,
                             code_key=code_key[coding.code_guid], coder_id=coder.id,
                             start_offset=selection.start, end_offset=selection.end,
                             origin="model" if coder.kind == "model" or "tagger" in name
                             else "human")
                session.add(row)
                session.flush()
                first = first or row
                counts["codings"] += 1
            for ref in selection.note_guids if first else []:
                if ref in note_text:
                    add_memo(session, user, project, note_text[ref].text,
                             title=note_text[ref].name, coding_id=first.id)
                    counts["memos"] += 1
        for ref in source.note_guids:
            if ref in note_text:
                add_memo(session, user, project, note_text[ref].text, title=note_text[ref].name,
                         document_id=document.id)
                counts["memos"] += 1
    for code, _parent in incoming.all_codes():
        for ref in code.note_guids:
            if ref in note_text:
                add_memo(session, user, project, note_text[ref].text, title=note_text[ref].name,
                         code_key=code_key[code.guid])
                counts["memos"] += 1
    _record(session, "research.import.qdpx", user, project, **counts)
    return {**counts, "skipped": incoming.skipped}


def segment_rows(session: Session, project: ResearchProject) -> Iterator[dict]:
    """Every coded segment with its document's attributes, for CSV and XLSX."""
    labels = {c.key: c.label for c in project.codes}
    for coding in codings(session, project):
        document = coding.document
        yield {"document": document.title, "document_id": document.id, "code": coding.code_key,
               "code_label": labels.get(coding.code_key, ""),
               "text": document.text[coding.start_offset:coding.end_offset],
               "coder": coding.coder.name, "coder_kind": coding.coder.kind,
               "origin": coding.origin, "settled": coding.settled,
               "start": coding.start_offset, "end": coding.end_offset,
               **{f"attr_{k}": v for k, v in document.attributes.items()}}


def _safe(value: object) -> object:
    # A cell starting with = + - @ would run as a formula in a spreadsheet: quote it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _columns(rows: list[dict]) -> list[str]:
    extra = sorted({k for row in rows for k in row} - set(SEGMENT_COLUMNS))
    return [*SEGMENT_COLUMNS, *extra]


def _segments(session: Session, project: ResearchProject, user: User | None,
              fmt: str) -> list[dict]:
    require_text_export(user, project)
    rows = list(segment_rows(session, project))
    _record(session, "research.export.segments", user, project, format=fmt, rows=len(rows))
    return rows


def segments_csv(session: Session, project: ResearchProject, user: User | None) -> str:
    rows = _segments(session, project, user, "csv")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_columns(rows))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe(v) for k, v in row.items()})
    return out.getvalue()


def segments_xlsx(session: Session, project: ResearchProject, user: User | None) -> bytes:
    rows = _segments(session, project, user, "xlsx")
    columns = _columns(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "Coded segments"
    sheet.append(columns)
    for row in rows:
        sheet.append([_safe(row.get(c, "")) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
