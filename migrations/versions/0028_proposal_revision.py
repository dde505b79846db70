"""a proposal counts the saves of its draft (revision): a save made from a form opened before another save (a second
tab, a phone and a computer) is refused instead of silently overwriting it

Revision ID: 0028_proposal_revision
Revises: 0027_voucher_code_cancelled
"""
import sqlalchemy as sa
from alembic import op

revision = '0028_proposal_revision'
down_revision = '0027_voucher_code_cancelled'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # Not batch mode: its table copy would DROP proposals, which other tables reference, with foreign keys on.
        # SQLite adds a NOT NULL column only with a default, which stays (the app always sets it).
        op.execute("ALTER TABLE proposals ADD COLUMN revision INTEGER DEFAULT 0 NOT NULL")
        return
    op.add_column('proposals', sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
    op.alter_column('proposals', 'revision', server_default=None)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE proposals DROP COLUMN revision")
        return
    op.drop_column('proposals', 'revision')
