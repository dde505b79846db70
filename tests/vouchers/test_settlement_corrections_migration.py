"""Migration 0029 lets a settlement statement be withdrawn: the status CHECK constraint takes 'withdrawn' and still
refuses anything else, the statements already there are kept as they were, and downgrading is refused while a
withdrawn statement exists (it would break the constraint it puts back)."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.db import db
from tests.migration_helpers import database_at, stored

BEFORE = "0028_proposal_revision"
AT = datetime(2026, 11, 8, 8, 0, tzinfo=UTC)


def _insert_statement(conn, dialect) -> None:
    """A paid statement as a database at 0028 holds it (nothing behind it)."""
    conn.execute(sa.text(
        "INSERT INTO voucher_settlements (id, programme_id, provider_org_id, period, seq, total_fen, "
        "redemption_count, status, created_at, payment_reference) VALUES (1, 1, 1, '2026-10', 1, 3000, 2, 'paid', "
        ":at, 'BANK-1')"), {"at": stored(AT, dialect)})


def _set_status(status: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE voucher_settlements SET status = :s WHERE id = 1"), {"s": status})


@pytest.mark.committing
def test_withdrawn_is_allowed_after_the_upgrade_and_nothing_else_is(scratch_url, tmp_path):
    with database_at(scratch_url, tmp_path, BEFORE, _insert_statement):
        with pytest.raises(sa.exc.IntegrityError):
            _set_status("withdrawn")  # before 0029
        upgrade()
        _set_status("withdrawn")
        with pytest.raises(sa.exc.IntegrityError):
            _set_status("cancelled")
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT status, total_fen, payment_reference FROM voucher_settlements")).one()
        assert tuple(row) == ("withdrawn", 3000, "BANK-1")
        # Refused: SQLite's check stops flask-migrate (exit 1), PostgreSQL's constraint refuses the row.
        with pytest.raises((SystemExit, sa.exc.IntegrityError)):
            downgrade(revision=BEFORE)
        db.engine.dispose()
        _set_status("paid")
        downgrade(revision=BEFORE)
        with pytest.raises(sa.exc.IntegrityError):
            _set_status("withdrawn")
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT status FROM voucher_settlements")) == "paid"
