"""case study draft key

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:19:14.373930
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_studies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_key", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_case_studies_draft_key"), ["draft_key"])


def downgrade() -> None:
    with op.batch_alter_table("case_studies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_case_studies_draft_key"), type_="unique")
        batch_op.drop_column("draft_key")
