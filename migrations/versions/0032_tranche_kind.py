"""a tranche's kind: an advance (预付款, payable once the contract is in force), a milestone's, or the final one
(after the final evaluation); until now a tranche tied to no milestone was read as the final one

Revision ID: 0032_tranche_kind
Revises: 0031_programme_suspended
"""
import sqlalchemy as sa
from alembic import op

revision = '0032_tranche_kind'
down_revision = '0031_programme_suspended'
branch_labels = None
depends_on = None

NAME = 'ck_tranches_kind_valid'
CHECK = "kind IN ('advance', 'milestone', 'final')"
# What each existing tranche is: the one tied to no milestone was the last, paid after the final evaluation.
BACKFILL = "UPDATE tranches SET kind = CASE WHEN milestone_id IS NULL THEN 'final' ELSE 'milestone' END"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        # SQLite adds a NOT NULL column only with a default, and a plain ALTER TABLE (no batch-mode table copy, which
        # fails on any row whose references do not hold) with the column's own CHECK. The default is never relied
        # on: every row is backfilled here and the app always sets the kind.
        bind.exec_driver_sql(f"ALTER TABLE tranches ADD COLUMN kind VARCHAR(20) DEFAULT 'milestone' NOT NULL "
                             f"CONSTRAINT {NAME} CHECK ({CHECK})")
        bind.exec_driver_sql(BACKFILL)
        return
    op.add_column('tranches', sa.Column('kind', sa.String(length=20), nullable=True))
    bind.exec_driver_sql(BACKFILL)
    op.alter_column('tranches', 'kind', nullable=False)
    op.create_check_constraint(op.f(NAME), 'tranches', CHECK)


def downgrade():
    # Refused while an advance exists: an earlier version would read it (tied to no milestone) as the final tranche.
    if op.get_bind().exec_driver_sql("SELECT count(*) FROM tranches WHERE kind = 'advance'").scalar():
        raise RuntimeError("tranches: advance payments exist; downgrading would read them as final tranches")
    if op.get_bind().dialect.name != 'sqlite':  # (on SQLite the CHECK is the column's own: dropped with it)
        op.drop_constraint(op.f(NAME), 'tranches', type_='check')
    op.drop_column('tranches', 'kind')  # (SQLite 3.35+ drops a column in place)
