"""an officer may withdraw one evaluator from a project evaluation: when, by whom and why

Revision ID: 0016_evaluator_withdrawal
Revises: 0015_service_contact
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_evaluator_withdrawal'
down_revision = '0015_service_contact'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evaluation_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_evaluation_assignments_withdrawn_by_id_users'), 'users',
                                    ['withdrawn_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('evaluation_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evaluation_assignments_withdrawn_by_id_users'), type_='foreignkey')
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
