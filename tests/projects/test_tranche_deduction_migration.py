"""Migration 0030 gives tranches deducted_fen (0 for those already there) and deduction_reason; the CHECK refuses a
deduction above the amount agreed. Downgrading is refused while a deduction exists, and takes the columns away."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.db import db
from tests.migration_helpers import database_at

BEFORE = "0029_settlement_withdrawn"


def _insert_tranche(conn, _dialect) -> None:
    """A tranche as a database at 0029 holds it (no contract behind it)."""
    conn.execute(sa.text("INSERT INTO tranches (id, contract_id, position, percent, amount_fen, status, reference) "
                         "VALUES (1, 1, 0, 40, 4800000, 'payable', '')"))


@pytest.mark.committing
def test_existing_tranches_have_nothing_deducted_and_a_deduction_blocks_the_downgrade(scratch_url, tmp_path):
    with database_at(scratch_url, tmp_path, BEFORE, _insert_tranche):
        upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT deducted_fen, deduction_reason FROM tranches WHERE id = 1")).one()
        assert tuple(row) == (0, "")
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:  # never above the amount agreed
            conn.execute(sa.text("UPDATE tranches SET deducted_fen = 4800001 WHERE id = 1"))
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE tranches SET deducted_fen = 100, deduction_reason = '产出未达成'"))
        with pytest.raises(SystemExit):  # (flask_migrate exits on the migration's RuntimeError)
            downgrade(revision=BEFORE)
        db.engine.dispose()
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE tranches SET deducted_fen = 0, deduction_reason = ''"))
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("tranches")}
            count = conn.scalar(sa.text("SELECT count(*) FROM tranches"))
    assert not {"deducted_fen", "deduction_reason"} & columns and count == 1
