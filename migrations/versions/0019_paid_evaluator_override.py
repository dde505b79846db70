"""an officer may choose an evaluator the organisation paid under the contract, with a reason (the override)

Revision ID: 0019_paid_evaluator_override
Revises: 0018_resident_needs
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_paid_evaluator_override'
down_revision = '0018_resident_needs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evaluation_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_override_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('evaluation_assignments', schema=None) as batch_op:
        batch_op.drop_column('paid_override_reason')
