"""an expense recorded by mistake is withdrawn, never deleted: when, by whom, why, and the expense that replaced it

Revision ID: 0024_expense_withdrawal
Revises: 0023_need_taken_on_entries
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_expense_withdrawal'
down_revision = '0023_need_taken_on_entries'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('expenses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_expenses_withdrawn_by_id_users'), 'users',
                                    ['withdrawn_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_expenses_replaced_by_id_expenses'), 'expenses',
                                    ['replaced_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_expenses_withdrawal_has_reason'),
                                         "withdrawn_at IS NULL OR withdrawal_reason <> ''")


def downgrade():
    # (a withdrawn expense then counts again in the listings, while its line's spent_fen stays as withdrawn left it)
    with op.batch_alter_table('expenses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_expenses_withdrawal_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_expenses_replaced_by_id_expenses'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_expenses_withdrawn_by_id_users'), type_='foreignkey')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
