"""registry fixes: hub organisations, credit codes unique among live records

Revision ID: 0012_registry_fixes
Revises: 0011_review_rules
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0012_registry_fixes'
down_revision = '0011_review_rules'
branch_labels = None
depends_on = None


LIVE_USCC = sa.text("uscc IS NOT NULL AND status NOT IN ('draft', 'rejected')")


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_hub', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint('uq_organisations_uscc', type_='unique')
        batch_op.create_index('uq_organisations_uscc_live', ['uscc'], unique=True, sqlite_where=LIVE_USCC,
                              postgresql_where=LIVE_USCC)


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index('uq_organisations_uscc_live')
        batch_op.create_unique_constraint('uq_organisations_uscc', ['uscc'])
        batch_op.drop_column('is_hub')
