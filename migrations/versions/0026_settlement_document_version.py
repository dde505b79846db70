"""a settlement keeps the version its statement PDF prints (a digest of the statement as printed), so a click
serves the document already issued only while the statement would print the same

Revision ID: 0026_settlement_document_version
Revises: 0025_template_purpose
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_settlement_document_version'
down_revision = '0025_template_purpose'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column: a plain ALTER TABLE on SQLite too (no batch-mode table copy). Statements issued before it
    # have no version, and are issued once more on their next click.
    op.add_column('voucher_settlements', sa.Column('document_version', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('voucher_settlements', 'document_version')  # (SQLite 3.35+ drops a column in place)
