"""a settlement statement drawn up by mistake is withdrawn before payment (status 'withdrawn'): its redemptions go
back to be settled again, and the statement stays, marked withdrawn

Revision ID: 0029_settlement_withdrawn
Revises: 0028_proposal_revision
"""
from alembic import op

revision = '0029_settlement_withdrawn'
down_revision = '0028_proposal_revision'
branch_labels = None
depends_on = None

TABLE = 'voucher_settlements'
NAME = 'ck_voucher_settlements_status_valid'
BEFORE = "status IN ('draft', 'approved', 'paid')"
AFTER = "status IN ('draft', 'approved', 'paid', 'withdrawn')"


def _sqlite_check(old: str, new: str) -> None:
    """SQLite cannot alter a CHECK constraint, and batch mode's table copy would DROP voucher_settlements, which
    voucher_redemptions and voucher_ledger reference (with foreign keys on, the drop fails once a statement has
    lines). SQLite's documented way for a change that leaves every stored row valid (here: a value allowed more,
    sqlite.org/lang_altertable.html#otheralter) rewrites the table's definition in place, bumping the schema
    version so that every connection reads it again."""
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
        return
    op.drop_constraint(op.f(NAME), TABLE, type_='check')
    op.create_check_constraint(op.f(NAME), TABLE, AFTER)


def downgrade():
    # Refused while a withdrawn statement exists (PostgreSQL checks the rows; on SQLite the check below does).
    if op.get_bind().dialect.name == 'sqlite':
        if op.get_bind().exec_driver_sql(f"SELECT count(*) FROM {TABLE} WHERE status = 'withdrawn'").scalar():
            raise RuntimeError(f"{TABLE}: withdrawn statements exist; they cannot go back to an earlier state")
        _sqlite_check(AFTER, BEFORE)
        return
    op.drop_constraint(op.f(NAME), TABLE, type_='check')
    op.create_check_constraint(op.f(NAME), TABLE, BEFORE)
