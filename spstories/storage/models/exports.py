"""Keys for the pseudonyms that record-level exports carry."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from spstories.storage.models.base import Base, TimestampMixin


class PseudonymKey(TimestampMixin, Base):
    """One organisation's secret for export pseudonyms, made at its first export.

    It stays in spstories, so a recipient can link exports to each other by pseudonym but
    never back to a client reference.
    """

    __tablename__ = "pseudonym_keys"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64))
