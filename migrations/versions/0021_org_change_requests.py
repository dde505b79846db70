"""change registrations (变更登记): an approved organisation's requests to change its registered items

Revision ID: 0021_org_change_requests
Revises: 0020_rating_updated_at
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_org_change_requests'
down_revision = '0020_rating_updated_at'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'pending'")


def upgrade():
    op.create_table(
        'org_change_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=True),
        sa.Column('legal_representative', sa.String(length=60), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')",
                           name=op.f('ck_org_change_requests_status_valid')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_org_change_requests_decided_by_id_users')),
        sa.ForeignKeyConstraint(['document_id'], ['stored_files.id'],
                                name=op.f('fk_org_change_requests_document_id_stored_files')),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], ondelete='CASCADE',
                                name=op.f('fk_org_change_requests_org_id_organisations')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_org_change_requests_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_org_change_requests')),
    )
    op.create_index(op.f('ix_org_change_requests_org_id'), 'org_change_requests', ['org_id'], unique=False)
    op.create_index('uq_org_change_requests_open', 'org_change_requests', ['org_id'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_index('uq_org_change_requests_open', table_name='org_change_requests')
    op.drop_index(op.f('ix_org_change_requests_org_id'), table_name='org_change_requests')
    op.drop_table('org_change_requests')
