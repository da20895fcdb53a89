"""Outcome-measure responses, item by item, with their computed scores."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.storage.models.base import Base, TimestampMixin


class MeasureResponse(TimestampMixin, Base):
    """One administration of an instrument (SWEMWBS, ONS4, ...) to one client."""

    __tablename__ = "measure_responses"
    __table_args__ = (
        # Covers the dashboard's pairing: per instrument, in client order (migration 0003).
        Index("ix_measure_responses_dashboard", "instrument", "client_id", "timepoint",
              "administered_on", "modified", "organisation_id", "review_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    instrument: Mapped[str] = mapped_column(String(40), index=True)
    instrument_version: Mapped[str] = mapped_column(String(20))
    timepoint: Mapped[str] = mapped_column(String(16))
    review_number: Mapped[int | None] = mapped_column(Integer)
    administered_on: Mapped[date] = mapped_column(Date)
    administered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    administration_mode: Mapped[str] = mapped_column(String(20))
    modified: Mapped[bool] = mapped_column(Boolean, default=False)
    modification_note: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, int | None]] = mapped_column(JSON)

    scores: Mapped[list[MeasureScore]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class MeasureScore(Base):
    """A computed score on one scale of a response; kept in rows so SQL can aggregate."""

    __tablename__ = "measure_scores"
    __table_args__ = (
        # The dashboard looks up one scale's value of a response without reading the row.
        Index("ix_measure_scores_response_scale", "response_id", "scale", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("measure_responses.id", ondelete="CASCADE"), index=True
    )
    scale: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(20))

    response: Mapped[MeasureResponse] = relationship(back_populates="scores")
