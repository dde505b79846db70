"""an officer suspends a running voucher programme (status 'suspended', 暂停) and resumes it: since when and by whom

Revision ID: 0031_programme_suspended
Revises: 0030_tranche_deduction
"""
import sqlalchemy as sa
from alembic import op

revision = '0031_programme_suspended'
down_revision = '0030_tranche_deduction'
branch_labels = None
depends_on = None

TABLE = 'voucher_programmes'
NAME = 'ck_voucher_programmes_status_valid'
BEFORE = "status IN ('draft', 'active', 'closed')"
AFTER = "status IN ('draft', 'active', 'suspended', 'closed')"
FOREIGN_KEY = 'fk_voucher_programmes_suspended_by_id_users'


def _sqlite_check(old: str, new: str) -> None:
    """SQLite cannot alter a CHECK constraint, and batch mode's table copy would DROP voucher_programmes, which
    vouchers, codes, batches, redemptions and the ledger reference. SQLite's documented way for a change that leaves
    every stored row valid (sqlite.org/lang_altertable.html#otheralter; as migration 0029) rewrites the table's
    definition in place, bumping the schema version so that every connection reads it again."""
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    changed = bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
        (old, new, TABLE)).rowcount
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).scalar()
    if changed != 1 or new not in sql:
        raise RuntimeError(f"{TABLE}: its status CHECK constraint was not {old!r}")


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_check(BEFORE, AFTER)
        # Plain ALTER TABLE (no batch-mode copy): a column's own REFERENCES, dropped with it on downgrade.
        op.get_bind().exec_driver_sql(f'ALTER TABLE {TABLE} ADD COLUMN suspended_at DATETIME')
        op.get_bind().exec_driver_sql(f'ALTER TABLE {TABLE} ADD COLUMN suspended_by_id INTEGER '
                                      f'CONSTRAINT {FOREIGN_KEY} REFERENCES users (id)')
        return
    op.drop_constraint(op.f(NAME), TABLE, type_='check')
    op.create_check_constraint(op.f(NAME), TABLE, AFTER)
    op.add_column(TABLE, sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column(TABLE, sa.Column('suspended_by_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f(FOREIGN_KEY), TABLE, 'users', ['suspended_by_id'], ['id'])


def downgrade():
    # Refused while a programme is suspended: an earlier version would read it as neither running nor closed.
    if op.get_bind().exec_driver_sql(f"SELECT count(*) FROM {TABLE} WHERE status = 'suspended'").scalar():
        raise RuntimeError(f"{TABLE}: suspended programmes exist; resume or close them before downgrading")
    if op.get_bind().dialect.name == 'sqlite':
        op.get_bind().exec_driver_sql(f'ALTER TABLE {TABLE} DROP COLUMN suspended_by_id')  # (SQLite 3.35+)
        op.get_bind().exec_driver_sql(f'ALTER TABLE {TABLE} DROP COLUMN suspended_at')
        _sqlite_check(AFTER, BEFORE)
        return
    op.drop_constraint(op.f(FOREIGN_KEY), TABLE, type_='foreignkey')
    op.drop_column(TABLE, 'suspended_by_id')
    op.drop_column(TABLE, 'suspended_at')
    op.drop_constraint(op.f(NAME), TABLE, type_='check')
    op.create_check_constraint(op.f(NAME), TABLE, BEFORE)
