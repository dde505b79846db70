"""project evaluation (issue 7): commissions, surveys, rectification

Revision ID: 0009_project_evaluation
Revises: 0008_contract_delivery
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0009_project_evaluation'
down_revision = '0008_contract_delivery'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
