"""dashboard summaries: per-client summary tables, kept current by triggers and a refresh

Revision ID: 0010
Revises: 0003, 0009
Create Date: 2026-11-24 10:00:00

Row-level triggers on every table a summary is derived from put the changed client's id in
``dashboard_stale``, whatever wrote the change (the ORM, bulk inserts, foreign-key
cascades, hand-written SQL); ``spstories.storage.dashboard_summaries`` recomputes those
clients before the writing transaction commits. Every existing client is marked here, and
``storage.db.upgrade`` refreshes them right after the migrations.

It comes after 0009 as well as 0003 because SQLite's batch migrations rebuild a table,
which drops its triggers: 0009 rebuilds ``case_studies``. A later migration that rebuilds a watched table
on SQLite must create its triggers again (tests/storage/test_dashboard_summaries.py checks).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | tuple[str, ...] | None = ("0003", "0009")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (SQL for the client id of a row R, columns whose update matters or None for any)
_WATCHED = {
    "clients": ("R.id", ("organisation_id",)),
    "tags": ("R.client_id", None),
    "measure_responses": ("R.client_id", None),
    "measure_scores": (
        "(SELECT client_id FROM measure_responses WHERE id = R.response_id)", None),
    "case_studies": ("R.client_id", ("client_id", "organisation_id", "status")),
    "feedback": ("R.client_id", ("client_id", "organisation_id")),
}
_EVENTS = ("insert", "update", "delete")


def _name(table: str, event: str) -> str:
    return f"dashboard_stale_{table}_{event}"


def _sqlite_trigger(table: str, event: str) -> str | None:
    client, columns = _WATCHED[table]
    if table == "clients" and event == "delete":
        return None  # the summaries' foreign keys cascade
    rows = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}[event]
    mark = "".join(
        "INSERT INTO dashboard_stale (client_id) SELECT c FROM (SELECT "  # noqa: S608 -- constants
        + client.replace("R.", f"{r}.")
        + " AS c) WHERE c IS NOT NULL AND c NOT IN (SELECT client_id FROM dashboard_stale);\n"
        for r in rows
    )
    head = f"CREATE TRIGGER {_name(table, event)} AFTER {event.upper()}"
    when = ""
    if event == "update" and columns:
        head += " OF " + ", ".join(columns)
        when = " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return f"{head} ON {table} FOR EACH ROW{when}\nBEGIN\n{mark}END"


# PostgreSQL: the same row-level triggers, calling one of three small functions by how the
# row names its client. Static SQL, so PostgreSQL plans each insert once per session.
_PG_FUNCTIONS = {
    "client_id": "NEW.client_id",
    "id": "NEW.id",
    "response": "(SELECT client_id FROM measure_responses WHERE id = NEW.response_id)",
}
_PG_KIND = {"clients": "id", "measure_scores": "response"}


def _pg_function(kind: str) -> str:
    client = _PG_FUNCTIONS[kind]
    mark = "INSERT INTO dashboard_stale (client_id) SELECT c FROM (SELECT {row} AS c) AS m " \
           "WHERE c IS NOT NULL ON CONFLICT (client_id) DO NOTHING;"
    return f"""CREATE FUNCTION dashboard_stale_by_{kind}() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        {mark.format(row=client)}
    END IF;
    IF TG_OP <> 'INSERT' THEN
        {mark.format(row=client.replace("NEW.", "OLD."))}
    END IF;
    RETURN NULL;
END; $$ LANGUAGE plpgsql"""


def _pg_trigger(table: str, event: str) -> str | None:
    _, columns = _WATCHED[table]
    if table == "clients" and event == "delete":
        return None
    head = f"CREATE TRIGGER {_name(table, event)} AFTER {event.upper()}"
    when = ""
    if event == "update" and columns:
        head += " OF " + ", ".join(columns)
        when = " WHEN (" + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns) + ")"
    kind = _PG_KIND.get(table, "client_id")
    return f"{head} ON {table} FOR EACH ROW{when} EXECUTE FUNCTION dashboard_stale_by_{kind}()"


def _client_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["client_id"], ["clients.id"],
                                   name=op.f(f"fk_{table}_client_id_clients"), ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "dashboard_clients",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.SmallInteger(), nullable=False) for name in (
            "baseline", "follow_up", "baseline_any", "follow_up_any", "narrative",
            "case_study", "story", "confirmed_story")),
        _client_fk("dashboard_clients"),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_dashboard_clients")),
    )
    op.create_index("ix_dashboard_clients_scope", "dashboard_clients",
                    ["organisation_id", "baseline", "follow_up", "baseline_any",
                     "follow_up_any", "narrative", "case_study"])
    op.create_index("ix_dashboard_clients_story", "dashboard_clients",
                    ["story", "organisation_id"])
    op.create_index("ix_dashboard_clients_confirmed_story", "dashboard_clients",
                    ["confirmed_story", "organisation_id"])
    op.create_table(
        "dashboard_pairs",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("instrument", sa.String(length=40), nullable=False),
        sa.Column("scale", sa.String(length=40), nullable=False),
        sa.Column("modified_included", sa.Boolean(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("follow_up", sa.Float(), nullable=False),
        sa.Column("case_study", sa.SmallInteger(), nullable=False),
        _client_fk("dashboard_pairs"),
        sa.PrimaryKeyConstraint("client_id", "instrument", "scale", "modified_included",
                                name=op.f("pk_dashboard_pairs")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_dashboard_pairs_scale", "dashboard_pairs",
                    ["instrument", "scale", "modified_included", "organisation_id", "baseline",
                     "follow_up", "case_study"])
    op.create_table(
        "dashboard_outcomes",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("polarity", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.SmallInteger(), nullable=False),
        _client_fk("dashboard_outcomes"),
        sa.PrimaryKeyConstraint("client_id", "code", "polarity",
                                name=op.f("pk_dashboard_outcomes")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_dashboard_outcomes_count", "dashboard_outcomes",
                    ["code", "polarity", "organisation_id", "confirmed"])
    op.create_table(
        "dashboard_stale",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_dashboard_stale")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for kind in _PG_FUNCTIONS:
            op.execute(_pg_function(kind))
    for table in _WATCHED:
        for event in _EVENTS:
            ddl = _pg_trigger(table, event) if postgres else _sqlite_trigger(table, event)
            if ddl:
                op.execute(ddl)
    op.execute("INSERT INTO dashboard_stale (client_id) SELECT id FROM clients")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in _WATCHED:
        for event in _EVENTS:
            if table == "clients" and event == "delete":
                continue
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}"
                       + (f" ON {table}" if postgres else ""))
    if postgres:
        for kind in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS dashboard_stale_by_{kind}()")
    op.drop_table("dashboard_stale")
    op.drop_index("ix_dashboard_outcomes_count", table_name="dashboard_outcomes")
    op.drop_table("dashboard_outcomes")
    op.drop_index("ix_dashboard_pairs_scale", table_name="dashboard_pairs")
    op.drop_table("dashboard_pairs")
    for name in ("confirmed_story", "story", "scope"):
        op.drop_index(f"ix_dashboard_clients_{name}", table_name="dashboard_clients")
    op.drop_table("dashboard_clients")
