"""job runners: which process runs a job, and when it last said it was alive

Revision ID: 0012
Revises: 0004, 0005, 0006, 0007, 0008, 0011
Create Date: 2026-12-03 12:00:00

Several web processes (gunicorn workers, on one or more machines) share the job table: a
job records the process that runs it (``host:pid``) and a heartbeat, so a job whose
process died is marked failed instead of showing "running" for ever. Columns are only
added (no table rebuild), so no trigger of 0010 is touched.

It also joins every branch the features grew from 0002 (research, jobs, topics, reviews,
reports) with 0011, so the migrations have one head again and later ones follow it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
# 0005 made the jobs table (on its own branch); 0011 follows 0010, which joined 0003 and 0009.
down_revision: str | tuple[str, ...] | None = ("0004", "0005", "0006", "0007", "0008", "0011")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("runner", sa.String(length=120), nullable=True))
    op.add_column("jobs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_jobs_status", "jobs", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_jobs_status", table_name="jobs")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("runner")
