"""Codebooks (versioned), their codes, and tags on narratives."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.core.tags import Polarity
from spstories.core.vocabulary import ReviewState, TagOrigin
from spstories.storage.models.base import Base, TimestampMixin, one_of


class Codebook(TimestampMixin, Base):
    """One version of a codebook, with the YAML it was loaded from."""

    __tablename__ = "codebooks"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_codebooks_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    source_yaml: Mapped[str] = mapped_column(Text)

    codes: Mapped[list[Code]] = relationship(
        back_populates="codebook", cascade="all, delete-orphan", order_by="Code.position"
    )


class Code(Base):
    """A code of one codebook version; ``key`` is the codebook's id for it (``loneliness``)."""

    __tablename__ = "codes"
    __table_args__ = (UniqueConstraint("codebook_id", "key", name="uq_codes_codebook_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(
        ForeignKey("codebooks.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200))
    parent_key: Mapped[str | None] = mapped_column(String(80))
    definition: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    codebook: Mapped[Codebook] = relationship(back_populates="codes")


class Tag(TimestampMixin, Base):
    """A code with its polarity on a span of a narrative: the evidence, countable.

    Exactly one of ``case_study_id`` and ``feedback_id`` is set; ``field`` names the
    text field of the document the offsets point into.
    """

    __tablename__ = "tags"
    __table_args__ = (
        one_of("polarity", Polarity),
        one_of("origin", TagOrigin),
        one_of("review_state", ReviewState),
        CheckConstraint("(case_study_id IS NULL) <> (feedback_id IS NULL)", name="one_document"),
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="offsets"),
        # Covers the dashboard's outcome counts: tags in client order, rows never read.
        Index("ix_tags_dashboard", "client_id", "code_id", "polarity", "review_state", "origin",
              "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    case_study_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), index=True
    )
    feedback_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(40), default="narrative")
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), index=True)
    polarity: Mapped[str] = mapped_column(String(16))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(8))
    score: Mapped[float] = mapped_column(Float, default=1.0)
    review_state: Mapped[str] = mapped_column(String(12), default=ReviewState.SUGGESTED.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    code: Mapped[Code] = relationship()
