"""Migration 0027 gives one-time codes printed (and cancelled_at): the codes already there are printed when they were
given longer than a phone's code (a week, against 5 minutes); the CHECK refuses a code both used and cancelled.
Downgrading takes the columns away again, and a code cancelled meanwhile stays dead (it expired when cancelled)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.db import db
from tests.migration_helpers import database_at, stored

BEFORE = "0026_settlement_document_version"
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CODES = {  # id -> (valid for, used, printed as the migration must see it)
    1: (timedelta(minutes=5), False, False),  # on the phone
    2: (timedelta(minutes=5), True, False),
    3: (timedelta(days=7), False, True),  # printed
    4: (timedelta(days=7), True, True),
}


def _insert_codes(conn, dialect) -> None:
    """Codes as a database at 0026 holds them (no resident or programme behind them)."""
    for code_id, (valid_for, used, _printed) in CODES.items():
        conn.execute(sa.text("INSERT INTO voucher_codes (id, resident_id, programme_id, code_hash, created_at, "
                             "expires_at, used_at) VALUES (:id, 1, 1, :hash, :created, :expires, :used)"),
                     {"id": code_id, "hash": f"h{code_id}", "created": stored(NOW, dialect),
                      "expires": stored(NOW + valid_for, dialect),
                      "used": stored(NOW + timedelta(minutes=1), dialect) if used else None})


@pytest.mark.committing
def test_existing_codes_are_told_printed_by_their_lifetime_and_a_cancelled_code_stays_dead(scratch_url, tmp_path):
    with database_at(scratch_url, tmp_path, BEFORE, _insert_codes) as dialect:
        upgrade()
        with db.engine.connect() as conn:
            printed = {code_id: bool(flag) for code_id, flag in conn.execute(
                sa.text("SELECT id, printed FROM voucher_codes"))}
        assert printed == {code_id: row[2] for code_id, row in CODES.items()}
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:  # used (4) and cancelled: never
            conn.execute(sa.text("UPDATE voucher_codes SET cancelled_at = :at WHERE id = 4"),
                         {"at": stored(NOW, dialect)})
        cancelled_at = NOW + timedelta(hours=2)
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE voucher_codes SET cancelled_at = :at WHERE id = 3"),
                         {"at": stored(cancelled_at, dialect)})

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("voucher_codes")}
            expires = conn.scalar(sa.text("SELECT expires_at FROM voucher_codes WHERE id = 3"))
            count = conn.scalar(sa.text("SELECT count(*) FROM voucher_codes"))
    assert not {"printed", "cancelled_at"} & columns and count == len(CODES)
    if isinstance(expires, str):
        expires = datetime.fromisoformat(expires)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    assert expires == cancelled_at  # expired when it was cancelled: not live again for the rest of its week
