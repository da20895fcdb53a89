"""case study referral route and source

Revision ID: 0009
Revises: 0002
Create Date: 2026-11-22 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = "'gp', 'self', 'other_professional', 'vcse', 'other'"


def upgrade() -> None:
    with op.batch_alter_table("case_studies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referral_source", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("referral_route", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_case_studies_referral_source"), f"referral_source IN ({SOURCES})"
        )


def downgrade() -> None:
    with op.batch_alter_table("case_studies", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_case_studies_referral_source"), type_="check")
        batch_op.drop_column("referral_route")
        batch_op.drop_column("referral_source")
