"""Migration 0032 gives tranches a kind: the existing tranche tied to no milestone becomes the final one, every other
a milestone's; the CHECK refuses a kind outside the three. Downgrading is refused while an advance exists (an earlier
version would read it as the final tranche), and takes the column away."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.db import db
from tests.migration_helpers import database_at

BEFORE = "0031_programme_suspended"


def _insert_tranches(conn, _dialect) -> None:
    """A contract's three tranches as a database at 0031 holds them (no contract nor milestones behind them)."""
    conn.execute(sa.text(
        "INSERT INTO tranches (id, contract_id, position, percent, amount_fen, milestone_id, status, reference, "
        "deducted_fen, deduction_reason) VALUES "
        "(1, 1, 0, 40, 4000000, 11, 'paid', '', 0, ''), (2, 1, 1, 30, 3000000, 12, 'payable', '', 0, ''), "
        "(3, 1, 2, 30, 3000000, NULL, 'pending', '', 0, '')"))


@pytest.mark.committing
def test_existing_tranches_get_their_kind_and_an_advance_blocks_the_downgrade(scratch_url, tmp_path):
    with database_at(scratch_url, tmp_path, BEFORE, _insert_tranches):
        upgrade()
        with db.engine.connect() as conn:
            kinds = dict(conn.execute(sa.text("SELECT id, kind FROM tranches")).all())
        assert kinds == {1: "milestone", 2: "milestone", 3: "final"}
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:  # only the three kinds
            conn.execute(sa.text("UPDATE tranches SET kind = 'bonus' WHERE id = 1"))
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE tranches SET kind = 'advance' WHERE id = 1"))
        with pytest.raises(SystemExit):  # (flask_migrate exits on the migration's RuntimeError)
            downgrade(revision=BEFORE)
        db.engine.dispose()
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE tranches SET kind = 'milestone' WHERE id = 1"))
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("tranches")}
            count = conn.scalar(sa.text("SELECT count(*) FROM tranches"))
    assert "kind" not in columns and count == 3
