"""a file chosen on a refused form is kept for the next attempt: pending uploads, the user's own, for a day

Revision ID: 0017_pending_uploads
Revises: 0016_evaluator_withdrawal
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_pending_uploads'
down_revision = '0016_evaluator_withdrawal'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_pending_uploads_file_id_stored_files'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_pending_uploads_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_uploads')),
    sa.UniqueConstraint('key', name=op.f('uq_pending_uploads_key'))
    )
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_uploads_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_uploads_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_uploads_owner_id'))
        batch_op.drop_index(batch_op.f('ix_pending_uploads_expires_at'))
    op.drop_table('pending_uploads')
