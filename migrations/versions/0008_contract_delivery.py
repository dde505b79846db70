"""contract delivery (issue 6): reports, receipts, changes, approvals

Revision ID: 0008_contract_delivery
Revises: 0007_directory_index
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0008_contract_delivery'
down_revision = '0007_directory_index'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
