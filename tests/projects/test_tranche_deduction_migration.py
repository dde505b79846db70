"""Migration 0030 gives tranches deducted_fen (0 for those already there) and deduction_reason; the CHECK refuses a
deduction above the amount agreed. Downgrading is refused while a deduction exists, and takes the columns away."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from core.db import db
from tests.conftest import app_config

BEFORE = "0029_settlement_withdrawn"


def _insert_tranche(url: str) -> None:
    """A tranche as a database at 0029 holds it, foreign keys not enforced (no contract behind it)."""
    engine = sa.create_engine(url)  # (not the app's: that one turns SQLite's foreign keys on)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(
            sa.text(
                "INSERT INTO tranches (id, contract_id, position, percent, amount_fen, status, reference) "
                "VALUES (1, 1, 0, 40, 4800000, 'payable', '')"
            )
        )
    engine.dispose()


@pytest.mark.committing
def test_existing_tranches_have_nothing_deducted_and_a_deduction_blocks_the_downgrade(scratch_url, tmp_path):
    application = create_app(app_config(scratch_url, tmp_path))
    with application.app_context():
        upgrade(revision=BEFORE)
        db.engine.dispose()
    _insert_tranche(scratch_url)

    with application.app_context():
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
        db.engine.dispose()
    assert not {"deducted_fen", "deduction_reason"} & columns and count == 1
