"""The researcher workbench: projects of documents, coded by several coders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.storage.models.base import Base, TimestampMixin


class ResearchProject(TimestampMixin, Base):
    """A body of documents coded against one evolving codebook, inside one organisation."""

    __tablename__ = "research_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The stored codebook version the project started from, if any (deductive coding).
    source_codebook_id: Mapped[int | None] = mapped_column(
        ForeignKey("codebooks.id", ondelete="SET NULL")
    )
    codebook_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    codes: Mapped[list[ProjectCode]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectCode.position"
    )


class ProjectCode(Base):
    """A code (theme or subtheme) of a project's current codebook."""

    __tablename__ = "project_codes"
    __table_args__ = (UniqueConstraint("project_id", "key", name="uq_project_codes_project_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("research_projects.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    parent_key: Mapped[str | None] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    colour: Mapped[str] = mapped_column(String(7), default="#1d70b8")
    position: Mapped[int] = mapped_column(Integer, default=0)


class CodebookRevision(TimestampMixin, Base):
    """The whole code tree as it was after one edit, with what changed: diffable history."""

    __tablename__ = "codebook_revisions"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_codebook_revisions_project_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("research_projects.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    codes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    changes: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProjectCoder(Base):
    """Someone (or some model version) whose codings are kept apart from everyone else's."""

    __tablename__ = "project_coders"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_project_coders_project_name"),
        CheckConstraint("kind IN ('human', 'model', 'imported')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("research_projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    guid: Mapped[str] = mapped_column(String(40))


class ProjectDocument(TimestampMixin, Base):
    """A text in a project: a snapshot of a case study or feedback, or an imported transcript.

    Codings point into ``text``; it never changes once coding can have started.
    """

    __tablename__ = "project_documents"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('case_study', 'feedback', 'transcript', 'imported')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("research_projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    case_study_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_studies.id", ondelete="SET NULL")
    )
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    turns: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
    guid: Mapped[str | None] = mapped_column(String(40))


class Coding(TimestampMixin, Base):
    """One coder put one code on ``text[start_offset:end_offset]`` of a document."""

    __tablename__ = "codings"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="offsets"),
        CheckConstraint("origin IN ('human', 'model')", name="origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("research_projects.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("project_documents.id", ondelete="CASCADE"), index=True
    )
    code_key: Mapped[str] = mapped_column(String(80), index=True)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    coder_id: Mapped[int] = mapped_column(
        ForeignKey("project_coders.id", ondelete="CASCADE"), index=True
    )
    origin: Mapped[str] = mapped_column(String(8), default="human")
    # True for the coding agreed when coders' disagreement was discussed and settled.
    settled: Mapped[bool] = mapped_column(Boolean, default=False)

    document: Mapped[ProjectDocument] = relationship()
    coder: Mapped[ProjectCoder] = relationship()


class Settlement(TimestampMixin, Base):
    """The decision on a disagreement: the passage is, or is not, coded with the code."""

    __tablename__ = "coding_settlements"
    __table_args__ = (CheckConstraint("decision IN ('code', 'not_code')", name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("research_projects.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("project_documents.id", ondelete="CASCADE"), index=True
    )
    code_key: Mapped[str] = mapped_column(String(80))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Memo(TimestampMixin, Base):
    """A researcher's note on the project, a code, a document or a coded segment."""

    __tablename__ = "memos"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("research_projects.id", ondelete="CASCADE"), index=True
    )
    code_key: Mapped[str | None] = mapped_column(String(80))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_documents.id", ondelete="CASCADE"), index=True
    )
    coding_id: Mapped[int | None] = mapped_column(
        ForeignKey("codings.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="Memo")
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
