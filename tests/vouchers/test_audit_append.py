"""The audit append redemptions rely on (on PostgreSQL one round trip for the chain's lock and the INSERT, the
event attached to the session as a loaded row): a savepoint rolled back after an append does not stop the next
append from taking the same seq, and the chain still verifies."""

from audit import services as audit
from audit import verification
from audit.models import AuditEvent
from core.db import db


def test_an_append_after_a_rolled_back_one_takes_its_seq(session):
    with db.session.begin_nested() as savepoint:
        first = audit.record("test.rolled_back", ("things", 1), data={"n": 1})
        savepoint.rollback()
    second = audit.record("test.kept", ("things", 2), data={"n": 2})
    assert second.seq == first.seq
    stored = db.session.get(AuditEvent, second.seq)
    assert stored.action == "test.kept" and stored.hash == second.hash
    assert verification.verify().ok
