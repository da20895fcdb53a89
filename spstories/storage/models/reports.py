"""Impact reports for commissioners: saved filters, versions as generated, starred quotes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.core.vocabulary import ConsentLevel
from spstories.storage.models.base import Base, TimestampMixin, one_of, utcnow


class Report(TimestampMixin, Base):
    """A report a manager keeps: what it covers (filters) and the background they wrote.

    ``audience`` is the consent level the report's material needs (internal, anonymised
    external or named external).
    """

    __tablename__ = "reports"
    __table_args__ = (one_of("audience", ConsentLevel),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(24))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    background: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    versions: Mapped[list[ReportVersion]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportVersion.number"
    )


class ReportVersion(TimestampMixin, Base):
    """One generation of a report, kept as it was: the figures of that day, never refreshed.

    ``content`` is the report model (``core.reports.Report.to_dict``); ``consent_basis``
    lists, per quote or case study, the consent record it rests on.
    """

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number", name="uq_report_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    markdown: Mapped[str] = mapped_column(Text, default="")
    consent_basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deid_confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    deid_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    report: Mapped[Report] = relationship(back_populates="versions")


class StarredQuote(TimestampMixin, Base):
    """A piece of evidence (a tag's sentence) a manager marked for use in reports."""

    __tablename__ = "starred_quotes"
    __table_args__ = (UniqueConstraint("user_id", "tag_id", name="uq_starred_quotes_user_tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
