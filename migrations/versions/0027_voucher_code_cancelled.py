"""a one-time voucher code says whether it was printed (on a sheet of vouchers, valid a week) and when it was
cancelled: printing a new sheet cancels the resident's earlier printed codes of that programme, and community staff
cancel one explicitly (a sheet lost); a provider refuses a cancelled code

Revision ID: 0027_voucher_code_cancelled
Revises: 0026_settlement_document_version
"""
import sqlalchemy as sa
from alembic import op

revision = '0027_voucher_code_cancelled'
down_revision = '0026_settlement_document_version'
branch_labels = None
depends_on = None

USED_OR_CANCELLED = "used_at IS NULL OR cancelled_at IS NULL"
# A code on the phone lives 5 minutes (redemption.CODE_TTL), a printed one a week (PRINTED_CODE_TTL): the codes made
# before this column are told apart by how long they were given.
PRINTED_BEFORE = {
    'sqlite': "julianday(expires_at) - julianday(created_at) > 1.0 / 24",
    'postgresql': "expires_at - created_at > interval '1 hour'",
}


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        # Not batch mode: its table copy would DROP voucher_codes, which voucher_redemptions.code_id references,
        # with foreign keys on. SQLite adds a NOT NULL column only with a default, which stays here (the app always
        # says whether a code is printed).
        op.execute("ALTER TABLE voucher_codes ADD COLUMN printed BOOLEAN DEFAULT 0 NOT NULL")
        op.execute("ALTER TABLE voucher_codes ADD COLUMN cancelled_at DATETIME "
                   f"CONSTRAINT ck_voucher_codes_used_or_cancelled CHECK ({USED_OR_CANCELLED})")
    else:
        op.add_column('voucher_codes', sa.Column('printed', sa.Boolean(), server_default=sa.false(), nullable=False))
        op.add_column('voucher_codes', sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        op.create_check_constraint(op.f('ck_voucher_codes_used_or_cancelled'), 'voucher_codes', USED_OR_CANCELLED)
    op.execute(f"UPDATE voucher_codes SET printed = {'1' if dialect == 'sqlite' else 'true'} "
               f"WHERE {PRINTED_BEFORE[dialect]}")
    if dialect != 'sqlite':
        op.alter_column('voucher_codes', 'printed', server_default=None)


def downgrade():
    # A cancelled code stays dead: it expired when it was cancelled.
    op.execute("UPDATE voucher_codes SET expires_at = cancelled_at WHERE cancelled_at IS NOT NULL "
               "AND cancelled_at < expires_at")
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE voucher_codes DROP COLUMN cancelled_at")  # its CHECK is the column's own
        op.execute("ALTER TABLE voucher_codes DROP COLUMN printed")
        return
    op.drop_constraint(op.f('ck_voucher_codes_used_or_cancelled'), 'voucher_codes', type_='check')
    op.drop_column('voucher_codes', 'cancelled_at')
    op.drop_column('voucher_codes', 'printed')
