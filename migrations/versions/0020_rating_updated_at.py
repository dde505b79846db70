"""a voucher rating says when it was last changed (null while it is as first given)

Revision ID: 0020_rating_updated_at
Revises: 0019_paid_evaluator_override
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_rating_updated_at'
down_revision = '0019_paid_evaluator_override'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('voucher_ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('voucher_ratings', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
