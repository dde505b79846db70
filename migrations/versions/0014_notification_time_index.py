"""notifications indexed by user and time (the reminders' once-a-day check), replacing the index on user alone

Revision ID: 0014_notification_time_index
Revises: 0013_staff_communities
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401


revision = '0014_notification_time_index'
down_revision = '0013_staff_communities'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)
        batch_op.drop_index('ix_notifications_user_created')
