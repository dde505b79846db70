"""contract delivery (issue 6): reports, receipts, changes, approvals

Revision ID: 0008_contract_delivery
Revises: 0007_directory_index
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_contract_delivery'
down_revision = '0007_directory_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contract_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('from_line_id', sa.Integer(), nullable=True),
    sa.Column('to_line_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('new_due_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('budget', 'schedule')", name=op.f('ck_contract_changes_kind_valid')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_contract_changes_status_valid')),
    sa.CheckConstraint('amount_fen IS NULL OR amount_fen > 0', name=op.f('ck_contract_changes_amount_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_changes_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_contract_changes_decided_by_id_users')),
    sa.ForeignKeyConstraint(['from_line_id'], ['contract_lines.id'], name=op.f('fk_contract_changes_from_line_id_contract_lines')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_contract_changes_milestone_id_milestones')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_contract_changes_requested_by_id_users')),
    sa.ForeignKeyConstraint(['to_line_id'], ['contract_lines.id'], name=op.f('fk_contract_changes_to_line_id_contract_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_changes'))
    )
    with op.batch_alter_table('contract_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_changes_contract_id'), ['contract_id'], unique=False)

    op.create_table('contract_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['contract_changes.id'], name=op.f('fk_contract_amendments_change_id_contract_changes')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_amendments_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contract_amendments_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_amendments')),
    sa.UniqueConstraint('contract_id', 'version', name='version_once')
    )
    with op.batch_alter_table('contract_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_amendments_contract_id'), ['contract_id'], unique=False)

    op.create_table('fee_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=100), nullable=False),
    sa.Column('recipient_phone', sa.String(length=20), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('response_note', sa.Text(), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('expert_fee', 'volunteer_allowance')", name=op.f('ck_fee_payments_kind_valid')),
    sa.CheckConstraint("status IN ('unconfirmed', 'confirmed', 'denied')", name=op.f('ck_fee_payments_status_valid')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_fee_payments_amount_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_fee_payments_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_fee_payments_recipient_user_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['milestone_reports.id'], name=op.f('fk_fee_payments_report_id_milestone_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_payments'))
    )
    with op.batch_alter_table('fee_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_payments_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_payments_recipient_user_id'), ['recipient_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_payments_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_payments_status'), ['status'], unique=False)

    op.create_table('report_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.CheckConstraint('participants >= 0', name=op.f('ck_report_activities_participants_valid')),
    sa.ForeignKeyConstraint(['report_id'], ['milestone_reports.id'], name=op.f('fk_report_activities_report_id_milestone_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_activities'))
    )
    with op.batch_alter_table('report_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_activities_report_id'), ['report_id'], unique=False)

    op.create_table('report_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_report_evidence_file_id_stored_files')),
    sa.ForeignKeyConstraint(['report_id'], ['milestone_reports.id'], name=op.f('fk_report_evidence_report_id_milestone_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_evidence'))
    )
    with op.batch_alter_table('report_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_evidence_report_id'), ['report_id'], unique=False)

    op.create_table('activity_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['report_activities.id'], name=op.f('fk_activity_photos_activity_id_report_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_activity_photos_file_id_stored_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_photos'))
    )
    with op.batch_alter_table('activity_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_photos_activity_id'), ['activity_id'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tranches_approved_by_id_users'), 'users', ['approved_by_id'], ['id'])

    # ### end Alembic commands ###

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_milestones_open_due', ['accepted_at', 'due_on'], unique=False)
    op.execute("UPDATE milestones SET accepted_at = (SELECT max(r.reviewed_at) FROM milestone_reports r "
               "WHERE r.milestone_id = milestones.id AND r.status = 'accepted')")

    with op.batch_alter_table('milestone_reports', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_reports_status', ['status'], unique=False)

    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.create_index('ix_tranches_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.drop_index('ix_tranches_status')

    with op.batch_alter_table('milestone_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_reports_status')

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index('ix_milestones_open_due')
        batch_op.drop_column('accepted_at')

    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tranches_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('approved_by_id')

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('activity_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_photos_activity_id'))

    op.drop_table('activity_photos')
    with op.batch_alter_table('report_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_evidence_report_id'))

    op.drop_table('report_evidence')
    with op.batch_alter_table('report_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_activities_report_id'))

    op.drop_table('report_activities')
    with op.batch_alter_table('fee_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_payments_status'))
        batch_op.drop_index(batch_op.f('ix_fee_payments_report_id'))
        batch_op.drop_index(batch_op.f('ix_fee_payments_recipient_user_id'))
        batch_op.drop_index(batch_op.f('ix_fee_payments_contract_id'))

    op.drop_table('fee_payments')
    with op.batch_alter_table('contract_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_amendments_contract_id'))

    op.drop_table('contract_amendments')
    with op.batch_alter_table('contract_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_changes_contract_id'))

    op.drop_table('contract_changes')
    # ### end Alembic commands ###
