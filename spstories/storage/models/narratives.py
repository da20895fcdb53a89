"""Case studies and feedback: the qualitative evidence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.core.vocabulary import (
    CaseStudyStatus,
    FeedbackChannel,
    FeedbackSource,
    ReferralSource,
)
from spstories.storage.models.base import Base, TimestampMixin, one_of, utcnow


class CaseStudy(TimestampMixin, Base):
    """A link worker's structured account of one client's journey."""

    __tablename__ = "case_studies"
    __table_args__ = (
        one_of("status", CaseStudyStatus),
        one_of("referral_source", ReferralSource),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # Idempotency key from the editing page: background saves of a new draft that
    # race each other (timer, tab closing) must land on one draft, not several.
    draft_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    referral_source: Mapped[str | None] = mapped_column(String(24))
    referral_route: Mapped[str | None] = mapped_column(Text)
    presenting_needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs_notes: Mapped[str | None] = mapped_column(Text)
    what_matters: Mapped[str | None] = mapped_column(Text)
    support_given: Mapped[str | None] = mapped_column(Text)
    narrative: Mapped[str] = mapped_column(Text, default="")
    outcomes_in_own_words: Mapped[str | None] = mapped_column(Text)
    client_quote: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=CaseStudyStatus.DRAFT.value, index=True)
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    activities: Mapped[list[LinkedActivity]] = relationship(
        back_populates="case_study",
        cascade="all, delete-orphan",
        order_by="LinkedActivity.started_on",
    )


class LinkedActivity(Base):
    """An activity or service a client was linked to, as told in a case study."""

    __tablename__ = "linked_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(200))
    activity: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date | None] = mapped_column(Date)

    case_study: Mapped[CaseStudy] = relationship(back_populates="activities")


class Feedback(TimestampMixin, Base):
    """Feedback about the service from a client, referrer, family or partner."""

    __tablename__ = "feedback"
    __table_args__ = (one_of("source", FeedbackSource), one_of("channel", FeedbackChannel))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    formal: Mapped[bool] = mapped_column(Boolean, default=False)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(Text)
