"""Inductive topic runs (BERTopic) and the topics they found."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.storage.models.base import Base, TimestampMixin
from spstories.storage.models.jobs import Job


class TopicRun(TimestampMixin, Base):
    """One topic run over one organisation's narratives; its status is its job's."""

    __tablename__ = "topic_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # No foreign key: the jobs table comes from a sibling migration branch (0005), and
    # Alembic may create this table first.
    job_id: Mapped[int | None] = mapped_column(Integer)
    codebook_id: Mapped[int | None] = mapped_column(
        ForeignKey("codebooks.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Parameters as asked (level, residual, seed, …) and the document-set filters.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=42)
    corpus_size: Mapped[int] = mapped_column(Integer, default=0)
    outliers: Mapped[int] = mapped_column(Integer, default=0)
    corpus_hash: Mapped[str] = mapped_column(String(64), default="")
    model_path: Mapped[str] = mapped_column(Text, default="")

    job: Mapped[Job | None] = relationship(
        primaryjoin="foreign(TopicRun.job_id) == Job.id", viewonly=True
    )
    topics: Mapped[list[Topic]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="Topic.number"
    )


class Topic(Base):
    """A topic of a run; ``number`` -1 is the outliers' row."""

    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("run_id", "number", name="uq_topics_run_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("topic_runs.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(Integer, default=0)
    representatives: Mapped[list[Any]] = mapped_column(JSON, default=list)
    over_time: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    code_overlap: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Set when promoted: the codebook version that holds it as a draft code.
    promoted_codebook_id: Mapped[int | None] = mapped_column(
        ForeignKey("codebooks.id", ondelete="SET NULL")
    )
    promoted_code_key: Mapped[str | None] = mapped_column(String(80))

    run: Mapped[TopicRun] = relationship(back_populates="topics")
