"""Research projects: documents, the project codebook and its revisions, coders and codings."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core import codebook_edit
from spstories.core.codebook_edit import TreeCode
from spstories.core.refiqda import guid
from spstories.core.transcripts import read_transcript, unix_line_breaks
from spstories.core.vocabulary import Role
from spstories.errors import SpstoriesError
from spstories.services import audit
from spstories.services.codebooks import spec_of
from spstories.storage.models import (
    CaseStudy,
    Client,
    Codebook,
    CodebookRevision,
    Coding,
    Feedback,
    Memo,
    Organisation,
    ProjectCode,
    ProjectCoder,
    ProjectDocument,
    ResearchProject,
    User,
)
from spstories.storage.queries import get_scoped, scoped


class ResearchError(SpstoriesError):
    """A research action cannot be done; the message says why."""


class ReadOnlyError(ResearchError):
    """The user may read the project but not change it (managers read, researchers change)."""


def can_change(user: User, project: ResearchProject | None = None) -> bool:
    """Only researchers change research projects, and only in their own organisations."""
    if not user.has_role(Role.RESEARCHER):
        return False
    return project is None or project.organisation_id in user.organisation_ids


def require_change(user: User | None, project: ResearchProject) -> None:
    """Refuse a change by anyone but a researcher of the project's organisation.

    ``None`` is the system itself (command line, imports run by an operator).
    """
    if user is not None and not can_change(user, project):
        raise ReadOnlyError("only researchers of the project's organisation can change it")


def list_projects(session: Session, user: User) -> list[ResearchProject]:
    stmt = scoped(select(ResearchProject), ResearchProject, user).order_by(ResearchProject.name)
    return list(session.scalars(stmt))


def get_project(session: Session, user: User, project_id: int) -> ResearchProject | None:
    return get_scoped(session, ResearchProject, project_id, user)


def _record(session: Session, action: str, user: User | None, project: ResearchProject,
            obj: object = None, **details: object) -> None:
    audit.record(session, action, user=user, organisation_id=project.organisation_id,
                 obj=obj or project, project_id=project.id, **details)


def create_project(session: Session, user: User | None, name: str, organisation_id: int,
                   description: str = "", codebook: Codebook | None = None) -> ResearchProject:
    """A project in one of the user's organisations, its codebook seeded from ``codebook``.

    ``user`` None is the system itself (the command line run by an operator).
    """
    if user is not None and organisation_id not in user.organisation_ids:
        raise ResearchError("you can only create projects in your own organisations")
    if user is not None and not user.has_role(Role.RESEARCHER):
        raise ReadOnlyError("only researchers can create research projects")
    if not name.strip():
        raise ResearchError("give the project a name")
    if session.get(Organisation, organisation_id) is None:
        raise ResearchError(f"no organisation {organisation_id}")
    project = ResearchProject(organisation_id=organisation_id, name=name.strip()[:200],
                              description=description.strip(),
                              created_by_id=user.id if user is not None else None,
                              source_codebook_id=codebook.id if codebook else None)
    session.add(project)
    session.flush()
    codes = []
    if codebook is not None:
        spec = spec_of(codebook)
        codes = codebook_edit.from_spec(spec)
    _record(session, "research.project.create", user, project, name=project.name)
    save_codebook(session, user, project, codes,
                  f"from {codebook.key} {codebook.version}" if codebook else "empty codebook")
    return project


def tree(project: ResearchProject) -> list[TreeCode]:
    return [TreeCode(c.key, c.label, c.parent_key, c.definition, c.colour) for c in project.codes]


def revisions(session: Session, project: ResearchProject) -> list[CodebookRevision]:
    stmt = select(CodebookRevision).where(CodebookRevision.project_id == project.id)
    return list(session.scalars(stmt.order_by(CodebookRevision.number.desc())))


def revision_tree(revision: CodebookRevision) -> list[TreeCode]:
    return [TreeCode(**code) for code in revision.codes]


def save_codebook(session: Session, user: User | None, project: ResearchProject,
                  codes: list[TreeCode], note: str = "") -> CodebookRevision | None:
    """Replace the code tree, recording a new revision with what changed (None: no change)."""
    require_change(user, project)
    try:
        codebook_edit.check_tree(codes)
    except ValueError as exc:
        raise ResearchError(str(exc)) from exc
    old = tree(project)
    changes = codebook_edit.diff(old, codes)
    if project.codebook_revision and not changes:
        return None
    removed = {c.key for c in changes if c.kind == "removed"}
    if removed:
        used = session.scalars(select(Coding.code_key).where(
            Coding.project_id == project.id, Coding.code_key.in_(removed))).first()
        if used:
            raise ResearchError(f"code {used!r} is in use: remove or recode its codings first")
    by_key = {c.key: c for c in project.codes}
    project.codes = [
        _code_row(by_key.get(code.key), code, position)
        for position, (code, _depth) in enumerate(codebook_edit.ordered(codes))
    ]
    project.codebook_revision += 1
    revision = CodebookRevision(
        project_id=project.id, number=project.codebook_revision, note=note[:2000],
        codes=[asdict(code) for code, _depth in codebook_edit.ordered(codes)],
        changes=[str(c) for c in changes], created_by_id=user.id if user else None)
    session.add(revision)
    session.flush()
    _record(session, "research.codebook.revise", user, project, revision=revision.number,
            changes=len(changes))
    return revision


def _code_row(row: ProjectCode | None, code: TreeCode, position: int) -> ProjectCode:
    row = row or ProjectCode(key=code.key)
    row.label, row.parent_key, row.definition = code.label, code.parent, code.definition
    row.colour, row.position = code.colour, position
    return row


def add_code(session: Session, user: User, project: ResearchProject, label: str,
             parent: str | None = None, definition: str = "", colour: str | None = None) -> str:
    """Add a code (an emerging theme) under ``parent``; returns its key."""
    require_change(user, project)
    current = tree(project)
    key = codebook_edit.slug_key(label, [c.key for c in current])
    colour = codebook_edit.valid_colour(colour, len(current))
    new = [*current, TreeCode(key, label.strip(), parent or None, definition, colour)]
    try:
        codebook_edit.check_sibling_names(current, new)
    except ValueError as exc:
        raise ResearchError(str(exc)) from exc
    save_codebook(session, user, project, new, f"added {label.strip()}")
    return key


def find_coder(session: Session, project: ResearchProject, user: User) -> ProjectCoder | None:
    """The user's own coder in the project, if they have coded (never makes one)."""
    stmt = select(ProjectCoder).where(ProjectCoder.project_id == project.id,
                                      ProjectCoder.user_id == user.id)
    return session.scalars(stmt).first()


def coder_for(session: Session, project: ResearchProject, user: User) -> ProjectCoder:
    """The user's own coder in the project (made on first use, for researchers only)."""
    coder = find_coder(session, project, user)
    if coder is None:
        require_change(user, project)
        coder = named_coder(session, project, user.name, "human", guid("user", user.id))
        coder.user_id = user.id
    return coder


def named_coder(session: Session, project: ResearchProject, name: str, kind: str,
                coder_guid: str | None = None) -> ProjectCoder:
    """The project's coder called ``name``, made if needed (machine and imported coders)."""
    stmt = select(ProjectCoder).where(ProjectCoder.project_id == project.id,
                                      ProjectCoder.name == name[:200])
    coder = session.scalars(stmt).first()
    if coder is None:
        coder = ProjectCoder(project_id=project.id, name=name[:200], kind=kind,
                             guid=coder_guid or guid("project", project.id, "coder", name))
        session.add(coder)
        session.flush()
    return coder


def coders(session: Session, project: ResearchProject) -> list[ProjectCoder]:
    stmt = select(ProjectCoder).where(ProjectCoder.project_id == project.id)
    return list(session.scalars(stmt.order_by(ProjectCoder.kind, ProjectCoder.name)))


def documents(session: Session, project: ResearchProject) -> list[ProjectDocument]:
    stmt = select(ProjectDocument).where(ProjectDocument.project_id == project.id)
    return list(session.scalars(stmt.order_by(ProjectDocument.id)))


def get_document(session: Session, project: ResearchProject, doc_id: int) -> ProjectDocument | None:
    document = session.get(ProjectDocument, doc_id)
    return document if document is not None and document.project_id == project.id else None


def document_client(session: Session, project: ResearchProject,
                    document: ProjectDocument) -> int | None:
    """The client whose words a document holds: its source record's client while that
    exists, else the client its ``client`` attribute names (a document imported back from
    a .qdpx export) in the project's organisation."""
    source: CaseStudy | Feedback | None = None
    if document.case_study_id:
        source = session.get(CaseStudy, document.case_study_id)
    elif document.feedback_id:
        source = session.get(Feedback, document.feedback_id)
    if source is not None:
        return source.client_id
    reference = (document.attributes or {}).get("client")
    if not reference:
        return None
    return session.scalar(select(Client.id).where(
        Client.organisation_id == project.organisation_id, Client.reference == reference))


def _client_attributes(session: Session, client_id: int | None) -> dict[str, str]:
    client = session.get(Client, client_id) if client_id else None
    if client is None:
        return {}
    found = {"client": client.reference}
    for name in ("age_band", "gender", "ethnic_group", "area", "imd_decile"):
        value = getattr(client, name, None)
        if value not in (None, ""):
            found[name] = str(value)
    return found


def add_app_document(session: Session, user: User, project: ResearchProject,
                     item: CaseStudy | Feedback) -> ProjectDocument:
    """Snapshot a case study or an item of feedback of the project's organisation."""
    require_change(user, project)
    if item.organisation_id != project.organisation_id:
        raise ResearchError("documents must come from the project's organisation")
    org = session.get(Organisation, project.organisation_id)
    attributes = {"organisation": org.name if org else "", **_client_attributes(session,
                                                                                item.client_id)}
    if isinstance(item, CaseStudy):
        kind, title, text = "case_study", item.title, item.narrative
        attributes |= {"role": "link worker", "date": item.created_at.date().isoformat()}
    else:
        kind, title, text = "feedback", f"Feedback {item.received_on:%d %b %Y}", item.text
        attributes |= {"role": item.source, "date": item.received_on.isoformat()}
    if not text.strip():
        raise ResearchError(f"{title!r} has no text to code")
    # A copy to code: with the line breaks the page shows, so selections index it exactly
    # (narratives typed in a browser are stored with CR LF).
    text = unix_line_breaks(text)
    document = ProjectDocument(project_id=project.id, kind=kind, title=title[:200], text=text,
                               attributes=attributes,
                               case_study_id=item.id if kind == "case_study" else None,
                               feedback_id=item.id if kind == "feedback" else None)
    session.add(document)
    session.flush()
    _record(session, "research.document.add", user, project, document, kind=kind,
            client_id=item.client_id)
    return document


def add_transcript(session: Session, user: User, project: ResearchProject, filename: str,
                   data: bytes, title: str = "", attributes: dict[str, str] | None = None
                   ) -> ProjectDocument:
    """An uploaded transcript (.txt .md .docx .vtt .srt) with its speaker turns."""
    require_change(user, project)
    try:
        transcript = read_transcript(filename, data)
    except ValueError as exc:
        raise ResearchError(str(exc)) from exc
    if not transcript.text.strip():
        raise ResearchError("the file has no text")
    document = ProjectDocument(
        project_id=project.id, kind="transcript", title=(title or filename)[:200],
        text=transcript.text,
        attributes={k: v for k, v in (attributes or {}).items() if v},
        turns=[[t.speaker, t.start, t.end] for t in transcript.turns])
    session.add(document)
    session.flush()
    _record(session, "research.document.add", user, project, document, kind="transcript",
            filename=filename[:200])
    return document


def add_memo(session: Session, user: User, project: ResearchProject, text: str, *,
             title: str = "Memo", code_key: str | None = None, document_id: int | None = None,
             coding_id: int | None = None) -> Memo:
    require_change(user, project)
    if not text.strip():
        raise ResearchError("a memo needs some text")
    if code_key and code_key not in {c.key for c in project.codes}:
        raise ResearchError(f"no code {code_key!r} in this project")
    if document_id and get_document(session, project, document_id) is None:
        raise ResearchError("no such document in this project")
    if coding_id:
        coding = session.get(Coding, coding_id)
        if coding is None or coding.project_id != project.id:
            raise ResearchError("no such coded segment in this project")
        document_id = coding.document_id
    memo = Memo(project_id=project.id, text=text.strip(), title=(title or "Memo")[:200],
                code_key=code_key or None, document_id=document_id, coding_id=coding_id,
                author_id=user.id)
    session.add(memo)
    session.flush()
    _record(session, "research.memo.add", user, project, memo)
    return memo


def memos(session: Session, project: ResearchProject) -> list[Memo]:
    return list(session.scalars(select(Memo).where(Memo.project_id == project.id)
                                .order_by(Memo.id)))


def candidate_documents(session: Session, user: User) -> tuple[list[CaseStudy], list[Feedback]]:
    """Documents of the user's organisations that can be added to a project: submitted
    case studies by title, and the 200 newest feedback items."""
    case_studies = session.scalars(scoped(select(CaseStudy), CaseStudy, user)
                                   .where(CaseStudy.status != "draft")
                                   .order_by(CaseStudy.title))
    feedback = session.scalars(scoped(select(Feedback), Feedback, user)
                               .order_by(Feedback.received_on.desc()).limit(200))
    return list(case_studies), list(feedback)
