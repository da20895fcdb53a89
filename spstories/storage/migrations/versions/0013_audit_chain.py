"""audit trail: the client an event is about, a hash chain over the events, no TRUNCATE

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:00:00

``audit_events.client_id`` is added with a plain ALTER TABLE (no batch rebuild on SQLite,
which would drop the append-only triggers). ``audit_chain`` is append-only like the events,
and on PostgreSQL neither table can be truncated (row triggers do not see TRUNCATE). The
events recorded before this revision are sealed here, in id order
(``spstories.storage.audit_trail``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from spstories.storage.audit_trail import seal_unsealed

revision: str = "0013"
down_revision: str | tuple[str, ...] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = [
    f"""CREATE TRIGGER audit_chain_no_{verb.lower()} BEFORE {verb} ON audit_chain
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"""
    for verb in ("UPDATE", "DELETE")
]
# The function audit_events_append_only() comes from the initial migration.
_POSTGRES = [
    """CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
    *(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"""
      for table in ("audit_events", "audit_chain")),
]


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("client_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_audit_events_client_id"), "audit_events", ["client_id"])
    op.create_table(
        "audit_chain",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["audit_events.id"],
                                name=op.f("fk_audit_chain_event_id_audit_events")),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_audit_chain")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_chain_event_id")),
    )
    bind = op.get_bind()
    for statement in _SQLITE if bind.dialect.name == "sqlite" else _POSTGRES:
        op.execute(statement)
    seal_unsealed(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("audit_events", "audit_chain"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_table("audit_chain")
    op.drop_index(op.f("ix_audit_events_client_id"), table_name="audit_events")
    op.drop_column("audit_events", "client_id")
