"""research projects: documents, codes, coders, codings, memos

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('research_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source_codebook_id', sa.Integer(), nullable=True),
    sa.Column('codebook_revision', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_research_projects_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_research_projects_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['source_codebook_id'], ['codebooks.id'], name=op.f('fk_research_projects_source_codebook_id_codebooks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_projects'))
    )
    with op.batch_alter_table('research_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_projects_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('codebook_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('codes', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_codebook_revisions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['research_projects.id'], name=op.f('fk_codebook_revisions_project_id_research_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codebook_revisions')),
    sa.UniqueConstraint('project_id', 'number', name='uq_codebook_revisions_project_number')
    )
    with op.batch_alter_table('codebook_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_codebook_revisions_project_id'), ['project_id'], unique=False)

    op.create_table('project_coders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('guid', sa.String(length=40), nullable=False),
    sa.CheckConstraint("kind IN ('human', 'model', 'imported')", name=op.f('ck_project_coders_kind')),
    sa.ForeignKeyConstraint(['project_id'], ['research_projects.id'], name=op.f('fk_project_coders_project_id_research_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_project_coders_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_coders')),
    sa.UniqueConstraint('project_id', 'name', name='uq_project_coders_project_name')
    )
    with op.batch_alter_table('project_coders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_coders_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_coders_user_id'), ['user_id'], unique=False)

    op.create_table('project_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('parent_key', sa.String(length=80), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['research_projects.id'], name=op.f('fk_project_codes_project_id_research_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_codes')),
    sa.UniqueConstraint('project_id', 'key', name='uq_project_codes_project_key')
    )
    with op.batch_alter_table('project_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_codes_project_id'), ['project_id'], unique=False)

    op.create_table('project_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('case_study_id', sa.Integer(), nullable=True),
    sa.Column('feedback_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('turns', sa.JSON(), nullable=False),
    sa.Column('guid', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('case_study', 'feedback', 'transcript', 'imported')", name=op.f('ck_project_documents_kind')),
    sa.ForeignKeyConstraint(['case_study_id'], ['case_studies.id'], name=op.f('fk_project_documents_case_study_id_case_studies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_project_documents_feedback_id_feedback'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['research_projects.id'], name=op.f('fk_project_documents_project_id_research_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_documents'))
    )
    with op.batch_alter_table('project_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_documents_project_id'), ['project_id'], unique=False)

    op.create_table('coding_settlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('code_key', sa.String(length=80), nullable=False),
    sa.Column('start_offset', sa.Integer(), nullable=False),
    sa.Column('end_offset', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('settled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('code', 'not_code')", name=op.f('ck_coding_settlements_decision')),
    sa.ForeignKeyConstraint(['document_id'], ['project_documents.id'], name=op.f('fk_coding_settlements_document_id_project_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['research_projects.id'], name=op.f('fk_coding_settlements_project_id_research_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['settled_by_id'], ['users.id'], name=op.f('fk_coding_settlements_settled_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_settlements'))
    )
    with op.batch_alter_table('coding_settlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_settlements_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coding_settlements_project_id'), ['project_id'], unique=False)

    op.create_table('codings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('code_key', sa.String(length=80), nullable=False),
    sa.Column('start_offset', sa.Integer(), nullable=False),
    sa.Column('end_offset', sa.Integer(), nullable=False),
    sa.Column('coder_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("origin IN ('human', 'model')", name=op.f('ck_codings_origin')),
    sa.CheckConstraint('start_offset >= 0 AND end_offset > start_offset', name=op.f('ck_codings_offsets')),
    sa.ForeignKeyConstraint(['coder_id'], ['project_coders.id'], name=op.f('fk_codings_coder_id_project_coders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['project_documents.id'], name=op.f('fk_codings_document_id_project_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['research_projects.id'], name=op.f('fk_codings_project_id_research_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codings'))
    )
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_codings_code_key'), ['code_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_codings_coder_id'), ['coder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_codings_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_codings_project_id'), ['project_id'], unique=False)

    op.create_table('memos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('code_key', sa.String(length=80), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('coding_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_memos_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coding_id'], ['codings.id'], name=op.f('fk_memos_coding_id_codings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['project_documents.id'], name=op.f('fk_memos_document_id_project_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['research_projects.id'], name=op.f('fk_memos_project_id_research_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memos'))
    )
    with op.batch_alter_table('memos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memos_coding_id'), ['coding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memos_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memos_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('memos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memos_project_id'))
        batch_op.drop_index(batch_op.f('ix_memos_document_id'))
        batch_op.drop_index(batch_op.f('ix_memos_coding_id'))

    op.drop_table('memos')
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_codings_project_id'))
        batch_op.drop_index(batch_op.f('ix_codings_document_id'))
        batch_op.drop_index(batch_op.f('ix_codings_coder_id'))
        batch_op.drop_index(batch_op.f('ix_codings_code_key'))

    op.drop_table('codings')
    with op.batch_alter_table('coding_settlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_settlements_project_id'))
        batch_op.drop_index(batch_op.f('ix_coding_settlements_document_id'))

    op.drop_table('coding_settlements')
    with op.batch_alter_table('project_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_documents_project_id'))

    op.drop_table('project_documents')
    with op.batch_alter_table('project_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_codes_project_id'))

    op.drop_table('project_codes')
    with op.batch_alter_table('project_coders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_coders_user_id'))
        batch_op.drop_index(batch_op.f('ix_project_coders_project_id'))

    op.drop_table('project_coders')
    with op.batch_alter_table('codebook_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_codebook_revisions_project_id'))

    op.drop_table('codebook_revisions')
    with op.batch_alter_table('research_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_projects_organisation_id'))

    op.drop_table('research_projects')
