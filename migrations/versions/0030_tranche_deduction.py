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


def upgrade():
    # (no table refers to tranches, so SQLite's batch-mode table copy is safe here)
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deducted_fen', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('deduction_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_tranches_deduction_valid'),
                                         'deducted_fen >= 0 AND deducted_fen <= amount_fen')


def downgrade():
    # Refused while a deduction exists: without the column, the tranche would be paid (or read as paid) in full.
    if op.get_bind().exec_driver_sql("SELECT count(*) FROM tranches WHERE deducted_fen <> 0").scalar():
        raise RuntimeError("tranches: deductions exist; downgrading would forget them")
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_tranches_deduction_valid'), type_='check')
        batch_op.drop_column('deduction_reason')
        batch_op.drop_column('deducted_fen')
