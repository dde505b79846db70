"""review rules stated in advance: template, blind mode and aggregation on the call; standing conflicts

Revision ID: 0011_review_rules
Revises: 0010_vouchers
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0011_review_rules'
down_revision = '0010_vouchers'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
