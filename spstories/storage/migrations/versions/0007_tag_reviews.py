"""tag reviews: reviewers' decisions on machine tags, never overwriting them

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-22 15:52:22.678289
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tag_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("polarity", sa.String(length=16), nullable=True),
        sa.Column("new_tag_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accept', 'reject', 'change', 'add')",
            name=op.f("ck_tag_reviews_decision"),
        ),
        sa.CheckConstraint(
            "polarity IN ('improved', 'worsened', 'unchanged')",
            name=op.f("ck_tag_reviews_polarity"),
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["codes.id"],
            name=op.f("fk_tag_reviews_code_id_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["new_tag_id"],
            ["tags.id"],
            name=op.f("fk_tag_reviews_new_tag_id_tags"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tag_reviews_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_tag_reviews_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_reviews")),
    )
    with op.batch_alter_table("tag_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tag_reviews_tag_id"), ["tag_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tag_reviews_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tag_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tag_reviews_user_id"))
        batch_op.drop_index(batch_op.f("ix_tag_reviews_tag_id"))

    op.drop_table("tag_reviews")
