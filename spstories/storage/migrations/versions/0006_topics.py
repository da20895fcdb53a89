"""topics: inductive topic runs and their topics

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "topic_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("codebook_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("corpus_size", sa.Integer(), nullable=False),
        sa.Column("outliers", sa.Integer(), nullable=False),
        sa.Column("corpus_hash", sa.String(length=64), nullable=False),
        sa.Column("model_path", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["codebook_id"], ["codebooks.id"], name=op.f("fk_topic_runs_codebook_id_codebooks"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_topic_runs_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], name=op.f("fk_topic_runs_organisation_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_runs")),
    )
    with op.batch_alter_table("topic_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_runs_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("representatives", sa.JSON(), nullable=False),
        sa.Column("over_time", sa.JSON(), nullable=False),
        sa.Column("code_overlap", sa.JSON(), nullable=False),
        sa.Column("promoted_codebook_id", sa.Integer(), nullable=True),
        sa.Column("promoted_code_key", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["promoted_codebook_id"], ["codebooks.id"], name=op.f("fk_topics_promoted_codebook_id_codebooks"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["run_id"], ["topic_runs.id"], name=op.f("fk_topics_run_id_topic_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("run_id", "number", name="uq_topics_run_number"),
    )
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topics_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topics_run_id"))
    op.drop_table("topics")
    with op.batch_alter_table("topic_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_runs_organisation_id"))
    op.drop_table("topic_runs")
