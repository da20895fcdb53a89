"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 14:56:10.251028
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The audit trail is append-only at the database level too, so no code path
# (including a bug or a hand-written SQL session) can rewrite history.
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"""
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_TRIGGER = [
    """CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
]

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "codebooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source_yaml", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebooks")),
        sa.UniqueConstraint("key", "version", name="uq_codebooks_key_version"),
    )
    with op.batch_alter_table("codebooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_codebooks_key"), ["key"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('link_worker', 'manager', 'researcher', 'admin')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_audit_events_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_events_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_user_id"), ["user_id"], unique=False)

    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=False),
        sa.Column("ethnic_group", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=8), nullable=True),
        sa.Column("imd_decile", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "age_band IN ('under_18', '18-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75+', 'not_known')",
            name=op.f("ck_clients_age_band"),
        ),
        sa.CheckConstraint(
            "ethnic_group IN ('asian', 'black', 'mixed', 'white', 'other', 'not_stated')",
            name=op.f("ck_clients_ethnic_group"),
        ),
        sa.CheckConstraint(
            "gender IN ('female', 'male', 'non_binary', 'other', 'not_known')",
            name=op.f("ck_clients_gender"),
        ),
        sa.CheckConstraint("imd_decile BETWEEN 1 AND 10", name=op.f("ck_clients_imd_decile")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_clients_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("organisation_id", "reference", name="uq_clients_org_reference"),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clients_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("codebook_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("parent_key", sa.String(length=80), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["codebook_id"],
            ["codebooks.id"],
            name=op.f("fk_codes_codebook_id_codebooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codes")),
        sa.UniqueConstraint("codebook_id", "key", name="uq_codes_codebook_key"),
    )
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_codes_codebook_id"), ["codebook_id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_memberships_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "organisation_id", name=op.f("pk_memberships")),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("formal", sa.Boolean(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('follow_up_call', 'in_person', 'survey', 'email', 'letter')",
            name=op.f("ck_feedback_channel"),
        ),
        sa.CheckConstraint(
            "source IN ('client', 'referrer', 'family_carer', 'partner_organisation')",
            name=op.f("ck_feedback_source"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_feedback_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_feedback_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_feedback_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_feedback_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_feedback_received_on"), ["received_on"], unique=False)

    op.create_table(
        "measure_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=40), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column("timepoint", sa.String(length=16), nullable=False),
        sa.Column("review_number", sa.Integer(), nullable=True),
        sa.Column("administered_on", sa.Date(), nullable=False),
        sa.Column("administered_by_id", sa.Integer(), nullable=True),
        sa.Column("administration_mode", sa.String(length=20), nullable=False),
        sa.Column("modified", sa.Boolean(), nullable=False),
        sa.Column("modification_note", sa.Text(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["administered_by_id"],
            ["users.id"],
            name=op.f("fk_measure_responses_administered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_measure_responses_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_measure_responses_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_responses")),
    )
    with op.batch_alter_table("measure_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_responses_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_responses_instrument"), ["instrument"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_responses_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("link_worker_id", sa.Integer(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("service", sa.String(length=120), nullable=True),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_contact_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('gp', 'self', 'other_professional', 'vcse', 'other')",
            name=op.f("ck_referrals_source"),
        ),
        sa.CheckConstraint(
            "status IN ('offered', 'accepted', 'declined', 'completed')",
            name=op.f("ck_referrals_status"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_referrals_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_worker_id"],
            ["users.id"],
            name=op.f("fk_referrals_link_worker_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_referrals_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referrals_link_worker_id"), ["link_worker_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referrals_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_referrals_referred_on"), ["referred_on"], unique=False)

    op.create_table(
        "case_studies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("presenting_needs", sa.JSON(), nullable=False),
        sa.Column("needs_notes", sa.Text(), nullable=True),
        sa.Column("what_matters", sa.Text(), nullable=True),
        sa.Column("support_given", sa.Text(), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("outcomes_in_own_words", sa.Text(), nullable=True),
        sa.Column("client_quote", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'returned', 'approved')",
            name=op.f("ck_case_studies_status"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_case_studies_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_case_studies_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_case_studies_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_case_studies_referral_id_referrals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_case_studies_reviewed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_studies")),
    )
    with op.batch_alter_table("case_studies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_studies_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_studies_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_studies_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_studies_status"), ["status"], unique=False)

    op.create_table(
        "measure_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("scale", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["measure_responses.id"],
            name=op.f("fk_measure_scores_response_id_measure_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_scores")),
    )
    with op.batch_alter_table("measure_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_scores_response_id"), ["response_id"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("case_study_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=24), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "level IN ('none', 'internal', 'anonymised_external', 'named_external')",
            name=op.f("ck_consents_level"),
        ),
        sa.CheckConstraint(
            "method IN ('verbal', 'written', 'electronic')", name=op.f("ck_consents_method")
        ),
        sa.ForeignKeyConstraint(
            ["case_study_id"],
            ["case_studies.id"],
            name=op.f("fk_consents_case_study_id_case_studies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_consents_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_consents_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_consents_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consents_case_study_id"), ["case_study_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consents_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consents_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "linked_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_study_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_study_id"],
            ["case_studies.id"],
            name=op.f("fk_linked_activities_case_study_id_case_studies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_activities")),
    )
    with op.batch_alter_table("linked_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_linked_activities_case_study_id"), ["case_study_id"], unique=False
        )

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("case_study_id", sa.Integer(), nullable=True),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("polarity", sa.String(length=16), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("review_state", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("origin IN ('rule', 'model', 'human')", name=op.f("ck_tags_origin")),
        sa.CheckConstraint(
            "polarity IN ('improved', 'worsened', 'unchanged')", name=op.f("ck_tags_polarity")
        ),
        sa.CheckConstraint(
            "review_state IN ('suggested', 'accepted', 'rejected')",
            name=op.f("ck_tags_review_state"),
        ),
        sa.CheckConstraint(
            "(case_study_id IS NULL) <> (feedback_id IS NULL)", name=op.f("ck_tags_one_document")
        ),
        sa.CheckConstraint(
            "start_offset >= 0 AND end_offset > start_offset", name=op.f("ck_tags_offsets")
        ),
        sa.ForeignKeyConstraint(
            ["case_study_id"],
            ["case_studies.id"],
            name=op.f("fk_tags_case_study_id_case_studies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_tags_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code_id"], ["codes.id"], name=op.f("fk_tags_code_id_codes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_tags_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_tags_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_tags_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
    )
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tags_case_study_id"), ["case_study_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tags_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tags_code_id"), ["code_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tags_feedback_id"), ["feedback_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tags_organisation_id"), ["organisation_id"], unique=False
        )

    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRES_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tags_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_tags_feedback_id"))
        batch_op.drop_index(batch_op.f("ix_tags_code_id"))
        batch_op.drop_index(batch_op.f("ix_tags_client_id"))
        batch_op.drop_index(batch_op.f("ix_tags_case_study_id"))

    op.drop_table("tags")
    with op.batch_alter_table("linked_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linked_activities_case_study_id"))

    op.drop_table("linked_activities")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_consents_client_id"))
        batch_op.drop_index(batch_op.f("ix_consents_case_study_id"))

    op.drop_table("consents")
    with op.batch_alter_table("measure_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_scores_response_id"))

    op.drop_table("measure_scores")
    with op.batch_alter_table("case_studies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_studies_status"))
        batch_op.drop_index(batch_op.f("ix_case_studies_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_case_studies_client_id"))
        batch_op.drop_index(batch_op.f("ix_case_studies_author_id"))

    op.drop_table("case_studies")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_referred_on"))
        batch_op.drop_index(batch_op.f("ix_referrals_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_link_worker_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_client_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("measure_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_responses_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_measure_responses_instrument"))
        batch_op.drop_index(batch_op.f("ix_measure_responses_client_id"))

    op.drop_table("measure_responses")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_received_on"))
        batch_op.drop_index(batch_op.f("ix_feedback_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_client_id"))

    op.drop_table("feedback")
    op.drop_table("memberships")
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_codes_codebook_id"))

    op.drop_table("codes")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_organisation_id"))

    op.drop_table("clients")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    op.drop_table("users")
    op.drop_table("organisations")
    with op.batch_alter_table("codebooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_codebooks_key"))

    op.drop_table("codebooks")
