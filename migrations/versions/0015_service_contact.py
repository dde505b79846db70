"""voucher services say how a resident gets them: a public booking phone, where and when

Revision ID: 0015_service_contact
Revises: 0014_notification_time_index
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_service_contact'
down_revision = '0014_notification_time_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('voucher_services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking_phone', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('location', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('hours', sa.String(length=100), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('voucher_services', schema=None) as batch_op:
        batch_op.drop_column('hours')
        batch_op.drop_column('location')
        batch_op.drop_column('booking_phone')
