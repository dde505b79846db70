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


def upgrade():
    pass


def downgrade():
    pass
