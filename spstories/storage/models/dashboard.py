"""Per-client summaries the dashboard reads instead of the raw tags and responses.

Each row is derived from one client's records only, so a change to a client's tags,
responses, documents or organisation is made good by recomputing that client. Database
triggers (migration 0010) put the client's id in ``dashboard_stale`` on every such change,
whatever wrote it; ``storage.dashboard_summaries`` recomputes the stale clients before the
transaction commits. Flags are 0/1 small integers so SQL can add them up.

A record counts for its client only when it belongs to the client's organisation (true of
everything the app writes), so scoping by ``organisation_id`` here is scoping by client.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from spstories.storage.models.base import Base


class DashboardClient(Base):
    """One row for every client: what the completion, coverage and discordance figures need."""

    __tablename__ = "dashboard_clients"
    __table_args__ = (
        # Covers the completion and coverage sums of an organisation's clients.
        Index("ix_dashboard_clients_scope", "organisation_id", "baseline", "follow_up",
              "baseline_any", "follow_up_any", "narrative", "case_study"),
        Index("ix_dashboard_clients_story", "story", "organisation_id"),
        Index("ix_dashboard_clients_confirmed_story", "confirmed_story", "organisation_id"),
    )

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    organisation_id: Mapped[int] = mapped_column(Integer)
    # Any instrument: a baseline / a review or exit; modified administrations left out, or
    # counted (``_any``).
    baseline: Mapped[int] = mapped_column(SmallInteger)
    follow_up: Mapped[int] = mapped_column(SmallInteger)
    baseline_any: Mapped[int] = mapped_column(SmallInteger)
    follow_up_any: Mapped[int] = mapped_column(SmallInteger)
    narrative: Mapped[int] = mapped_column(SmallInteger)  # feedback or a submitted case study
    case_study: Mapped[int] = mapped_column(SmallInteger)  # a submitted case study
    # Direction of the client's outcome tags: 1 only improved (no worsened), -1 only
    # worsened (no improved), 0 otherwise; over every counted tag, and over confirmed ones.
    story: Mapped[int] = mapped_column(SmallInteger)
    confirmed_story: Mapped[int] = mapped_column(SmallInteger)


class DashboardPair(Base):
    """A client's paired baseline and follow-up on one scale (only clients with a pair)."""

    __tablename__ = "dashboard_pairs"
    __table_args__ = (
        # Per scale, in value order: the dashboard counts clients per (baseline, follow-up).
        Index("ix_dashboard_pairs_scale", "instrument", "scale", "modified_included",
              "organisation_id", "baseline", "follow_up", "case_study"),
        # SQLite keeps the rows in primary-key order: a client's rows are read together.
        {"sqlite_with_rowid": False},
    )

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    instrument: Mapped[str] = mapped_column(String(40), primary_key=True)
    scale: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The pairing with modified administrations left out (False) or counted (True).
    modified_included: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[float] = mapped_column(Float)
    follow_up: Mapped[float] = mapped_column(Float)
    case_study: Mapped[int] = mapped_column(SmallInteger)


class DashboardOutcome(Base):
    """A client with at least one counted tag for a top-level outcome code and polarity."""

    __tablename__ = "dashboard_outcomes"
    __table_args__ = (
        # Outcome counts scan this in (code, polarity) order: a GROUP BY without a sort.
        Index("ix_dashboard_outcomes_count", "code", "polarity", "organisation_id",
              "confirmed"),
        {"sqlite_with_rowid": False},
    )

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    polarity: Mapped[str] = mapped_column(String(16), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[int] = mapped_column(SmallInteger)  # 1: a tag made or accepted by a person


class DashboardStale(Base):
    """Clients whose summaries must be recomputed (filled by triggers, emptied by refresh)."""

    __tablename__ = "dashboard_stale"

    # No foreign key: a deleted client is marked too, and its refresh finds nothing.
    client_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
