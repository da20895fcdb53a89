"""Clients (pseudonymous), their referrals and their consent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.core.vocabulary import (
    AgeBand,
    ConsentLevel,
    ConsentMethod,
    EthnicGroup,
    Gender,
    ReferralSource,
    ReferralStatus,
)
from spstories.storage.models.base import Base, TimestampMixin, one_of


class Client(TimestampMixin, Base):
    """A person supported by a service, known only by a pseudonymous reference."""

    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference", name="uq_clients_org_reference"),
        one_of("age_band", AgeBand),
        one_of("gender", Gender),
        one_of("ethnic_group", EthnicGroup),
        CheckConstraint("imd_decile BETWEEN 1 AND 10", name="imd_decile"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    reference: Mapped[str] = mapped_column(String(64))
    age_band: Mapped[str] = mapped_column(String(16), default=AgeBand.NOT_KNOWN.value)
    gender: Mapped[str] = mapped_column(String(16), default=Gender.NOT_KNOWN.value)
    ethnic_group: Mapped[str] = mapped_column(String(16), default=EthnicGroup.NOT_STATED.value)
    area: Mapped[str | None] = mapped_column(String(8))
    imd_decile: Mapped[int | None] = mapped_column(Integer)

    referrals: Mapped[list[Referral]] = relationship(
        back_populates="client", order_by="Referral.referred_on", cascade="all, delete-orphan"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="client", order_by="Consent.given_on", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Client {self.reference}>"


class Referral(TimestampMixin, Base):
    """A referral of a client to the service, from offer to completion."""

    __tablename__ = "referrals"
    __table_args__ = (one_of("source", ReferralSource), one_of("status", ReferralStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    link_worker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    referred_on: Mapped[date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(24))
    service: Mapped[str | None] = mapped_column(String(120))
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ReferralStatus.OFFERED.value)
    first_contact_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)

    client: Mapped[Client] = relationship(back_populates="referrals")


class Consent(TimestampMixin, Base):
    """A client's consent to the use of their material, with how and when it was given.

    Consent is recorded per client; a case study may carry its own, narrower or
    wider, consent. Withdrawal is recorded, never deleted.
    """

    __tablename__ = "consents"
    __table_args__ = (one_of("level", ConsentLevel), one_of("method", ConsentMethod))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    case_study_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(24))
    given_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client] = relationship(back_populates="consents")
