"""dashboard indexes: covering indexes for the dashboard's per-client aggregation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each index holds every column its dashboard query reads, so the queries scan the index in
# client order (GROUP BY without a sort) and never touch the wide rows (answers, evidence).
INDEXES = (
    ("ix_measure_responses_dashboard", "measure_responses",
     ["instrument", "client_id", "timepoint", "administered_on", "modified", "organisation_id",
      "review_number"]),
    ("ix_measure_scores_response_scale", "measure_scores", ["response_id", "scale", "value"]),
    ("ix_tags_dashboard", "tags",
     ["client_id", "code_id", "polarity", "review_state", "origin", "organisation_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
