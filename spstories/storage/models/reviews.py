"""Review decisions on tags: who decided what about which tag, and when.

A decision never edits the machine's suggestion in place: accepting or rejecting sets the
tag's review state only, and a change rejects the original (its code and polarity kept)
and creates a new human tag, recorded here as ``new_tag_id``.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spstories.core.tags import Polarity
from spstories.core.vocabulary import ReviewDecision
from spstories.storage.models.base import Base, TimestampMixin, one_of
from spstories.storage.models.coding import Code, Tag


class TagReview(TimestampMixin, Base):
    """One reviewer's decision on one tag; rows are only ever added."""

    __tablename__ = "tag_reviews"
    __table_args__ = (one_of("decision", ReviewDecision), one_of("polarity", Polarity))

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(8))
    # For change and add: the code and polarity the reviewer chose, and the human tag made.
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="SET NULL"))
    polarity: Mapped[str | None] = mapped_column(String(16))
    new_tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")

    tag: Mapped[Tag] = relationship(foreign_keys=[tag_id])
    new_tag: Mapped[Tag | None] = relationship(foreign_keys=[new_tag_id])
    code: Mapped[Code | None] = relationship()
