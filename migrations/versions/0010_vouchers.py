"""vouchers (issue 8): residents, programmes, vouchers, ledger, settlement

Revision ID: 0010_vouchers
Revises: 0009_project_evaluation
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0010_vouchers'
down_revision = '0009_project_evaluation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
