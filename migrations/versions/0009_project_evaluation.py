"""project evaluation (issue 7): commissions, surveys, rectification

Revision ID: 0009_project_evaluation
Revises: 0008_contract_delivery
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import core.db


revision = '0009_project_evaluation'
down_revision = '0008_contract_delivery'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_agencies',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_evaluation_agencies_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_evaluation_agencies_registered_by_id_users')),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_evaluation_agencies'))
    )
    op.create_table('project_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('agency_org_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('aggregation', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('final_score', sa.String(length=10), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('report_code', sa.String(length=20), nullable=True),
    sa.Column('issued_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('commissioned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("aggregation IN ('mean', 'trimmed_mean', 'median')", name=op.f('ck_project_evaluations_aggregation_valid')),
    sa.CheckConstraint("grade IS NULL OR grade IN ('excellent', 'good', 'pass', 'fail')", name=op.f('ck_project_evaluations_grade_valid')),
    sa.CheckConstraint("kind IN ('midterm', 'final')", name=op.f('ck_project_evaluations_kind_valid')),
    sa.CheckConstraint("status IN ('in_progress', 'rectification', 'completed', 'cancelled')", name=op.f('ck_project_evaluations_status_valid')),
    sa.ForeignKeyConstraint(['agency_org_id'], ['organisations.id'], name=op.f('fk_project_evaluations_agency_org_id_organisations')),
    sa.ForeignKeyConstraint(['commissioned_by_id'], ['users.id'], name=op.f('fk_project_evaluations_commissioned_by_id_users')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_project_evaluations_contract_id_contracts')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_project_evaluations_issued_by_id_users')),
    sa.ForeignKeyConstraint(['template_id'], ['indicator_templates.id'], name=op.f('fk_project_evaluations_template_id_indicator_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_evaluations'))
    )
    with op.batch_alter_table('project_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_evaluations_contract_id'), ['contract_id'], unique=False)

    op.create_table('evaluation_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('declared_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('has_conflict', sa.Boolean(), nullable=True),
    sa.Column('relationship_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['project_evaluations.id'], name=op.f('fk_evaluation_assignments_evaluation_id_project_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evaluation_assignments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_assignments')),
    sa.UniqueConstraint('evaluation_id', 'user_id', name='uq_evaluation_assignments_evaluation_user')
    )
    with op.batch_alter_table('evaluation_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_assignments_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_assignments_user_id'), ['user_id'], unique=False)

    op.create_table('evaluation_document_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_evaluation_document_requests_answered_by_id_users')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['project_evaluations.id'], name=op.f('fk_evaluation_document_requests_evaluation_id_project_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_evaluation_document_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_document_requests'))
    )
    with op.batch_alter_table('evaluation_document_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_document_requests_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('rectification_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('requirement', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('responded_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('verified_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'responded', 'verified')", name=op.f('ck_rectification_tasks_status_valid')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['project_evaluations.id'], name=op.f('fk_rectification_tasks_evaluation_id_project_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['stored_files.id'], name=op.f('fk_rectification_tasks_evidence_id_stored_files')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_rectification_tasks_indicator_id_indicators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_tasks'))
    )
    with op.batch_alter_table('rectification_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_tasks_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_surveys_created_by_id_users')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['project_evaluations.id'], name=op.f('fk_surveys_evaluation_id_project_evaluations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('evaluation_id', name=op.f('uq_surveys_evaluation_id'))
    )
    op.create_table('evaluation_request_files',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_evaluation_request_files_file_id_stored_files')),
    sa.ForeignKeyConstraint(['request_id'], ['evaluation_document_requests.id'], name=op.f('fk_evaluation_request_files_request_id_evaluation_document_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'file_id', name=op.f('pk_evaluation_request_files'))
    )
    op.create_table('survey_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_survey_codes_created_by_id_users')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_codes_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_survey_codes_code_hash'))
    )
    with op.batch_alter_table('survey_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_codes_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('respondent_key', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('survey_id', 'respondent_key', name='uq_survey_responses_survey_respondent')
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_survey_id'), ['survey_id'], unique=False)

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_key', sa.String(length=30), nullable=True))

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_passing_evaluation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment_id', sa.Integer(), nullable=True))
        batch_op.alter_column('member_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('proposal_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_score_sheets_assignment_id'), ['assignment_id'])
        batch_op.create_foreign_key(batch_op.f('fk_score_sheets_assignment_id_evaluation_assignments'), 'evaluation_assignments', ['assignment_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(
            op.f('ck_score_sheets_one_owner'), '(member_id IS NOT NULL AND proposal_id IS NOT NULL AND assignment_id IS NULL) OR '
                         '(member_id IS NULL AND proposal_id IS NULL AND assignment_id IS NOT NULL)')


def downgrade():
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_score_sheets_one_owner'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_score_sheets_assignment_id_evaluation_assignments'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_score_sheets_assignment_id'), type_='unique')
        batch_op.alter_column('proposal_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column('member_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('assignment_id')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('evidence_key')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('require_passing_evaluation')
    for table in ('survey_responses', 'survey_codes', 'evaluation_request_files', 'surveys', 'rectification_tasks',
                  'evaluation_document_requests', 'evaluation_assignments', 'project_evaluations',
                  'evaluation_agencies'):
        op.drop_table(table)
