"""an officer deducts (扣减) from a tranche not yet paid: what was deducted and why; the amount agreed stays

Revision ID: 0030_tranche_deduction
Revises: 0029_settlement_withdrawn
"""
import sqlalchemy as sa
from alembic import op

revision = '0030_tranche_deduction'
down_revision = '0029_settlement_withdrawn'
branch_labels = None
depends_on = None


CHECK = 'deducted_fen >= 0 AND deducted_fen <= amount_fen'


def upgrade():
    op.add_column('tranches', sa.Column('deduction_reason', sa.Text(), server_default='', nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        # A plain ALTER TABLE with the column's own CHECK: no batch-mode table copy (with foreign keys on, a copy
        # fails on any row whose references do not hold, and it is not needed to add a column).
        op.get_bind().exec_driver_sql(
            'ALTER TABLE tranches ADD COLUMN deducted_fen BIGINT DEFAULT 0 NOT NULL '
            f'CONSTRAINT ck_tranches_deduction_valid CHECK ({CHECK})')
        return
    op.add_column('tranches', sa.Column('deducted_fen', sa.BigInteger(), server_default='0', nullable=False))
    op.create_check_constraint(op.f('ck_tranches_deduction_valid'), 'tranches', CHECK)


def downgrade():
    # Refused while a deduction exists: without the column, the tranche would be paid (or read as paid) in full.
    if op.get_bind().exec_driver_sql("SELECT count(*) FROM tranches WHERE deducted_fen <> 0").scalar():
        raise RuntimeError("tranches: deductions exist; downgrading would forget them")
    if op.get_bind().dialect.name != 'sqlite':  # (on SQLite the CHECK is the column's own: dropped with it)
        op.drop_constraint(op.f('ck_tranches_deduction_valid'), 'tranches', type_='check')
    op.drop_column('tranches', 'deducted_fen')  # (SQLite 3.35+ drops a column in place)
    op.drop_column('tranches', 'deduction_reason')
