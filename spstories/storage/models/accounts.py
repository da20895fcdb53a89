"""Organisations and the people who use spstories."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.core.vocabulary import Role
from spstories.storage.models.base import Base, TimestampMixin, one_of

memberships = Table(
    "memberships",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(TimestampMixin, Base):
    """A social prescribing service: the unit that owns client data."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)

    members: Mapped[list[User]] = relationship(
        secondary=memberships, back_populates="organisations"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(TimestampMixin, Base):
    """A person who logs in: a link worker, manager, researcher or administrator."""

    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=memberships, back_populates="members", order_by="Organisation.name"
    )

    @property
    def organisation_ids(self) -> list[int]:
        return [org.id for org in self.organisations]

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
