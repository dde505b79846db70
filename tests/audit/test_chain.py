import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from audit import chain, verification
from audit import services as audit
from audit.cli import audit_cli
from audit.models import AuditEvent
from core.db import db
from tests.conftest import ON_POSTGRES


def build_chain(n=6):
    return [audit.record("test.event", ("thing", i), data={"i": i, "名称": f"事件{i}"}) for i in range(1, n + 1)]


def disable_append_only_guard():
    """Tampering needs the guard out of the way first; the test's transaction rolls this back too."""
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_events_link_into_a_chain_that_verifies(session):
    events = build_chain()
    first = db.session.get(AuditEvent, 1)
    assert first.prev_hash == chain.GENESIS
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.prev_hash == earlier.hash and later.seq == earlier.seq + 1
    result = verification.verify()
    assert result.ok and result.checked == len(events)
    assert result.head == verification.Head(events[-1].seq, events[-1].hash)


def test_hash_is_reproducible_from_the_published_recipe(session):
    event = build_chain(1)[0]
    payload = json.dumps([event.seq, event.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), event.actor_id,
                          event.actor_roles, event.ip, event.request_id, event.action, event.target_type,
                          event.target_id, event.data], ensure_ascii=False, separators=(",", ":"))
    import hashlib

    assert hashlib.sha256((event.prev_hash + payload).encode()).hexdigest() == event.hash


def test_sensitive_fields_are_masked(session):
    event = audit.record("test.secret", data={"password": "hunter22", "nested": {"id_number": "110105"}})
    assert "hunter22" not in event.data and "110105" not in event.data
    assert json.loads(event.data) == {"password": "***", "nested": {"id_number": "***"}}


def test_altered_event_is_named(session):
    build_chain()
    disable_append_only_guard()
    db.session.execute(text("UPDATE audit_events SET data = :d WHERE seq = 4"), {"d": '{"i":400}'})
    result = verification.verify()
    assert not result.ok and result.bad_seq == 4 and "hash" in result.reason
    assert result.head.seq == 3


def test_deleted_event_is_named(session):
    build_chain()
    disable_append_only_guard()
    db.session.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    result = verification.verify()
    assert not result.ok and result.bad_seq == 3 and result.reason == "missing"


def test_reordered_events_are_named(session):
    build_chain()
    disable_append_only_guard()
    # Swap events 2 and 5 wholesale (contents and hashes), keeping the sequence numbers in place.
    db.session.execute(text("UPDATE audit_events SET seq = -2 WHERE seq = 2"))
    db.session.execute(text("UPDATE audit_events SET seq = 2 WHERE seq = 5"))
    db.session.execute(text("UPDATE audit_events SET seq = 5 WHERE seq = -2"))
    result = verification.verify()
    assert not result.ok and result.bad_seq == 2


def test_rewritten_hash_breaks_the_next_link(session):
    build_chain()
    disable_append_only_guard()
    # A careful forger recomputes event 3's hash after editing it; event 4 no longer links.
    e3 = db.session.get(AuditEvent, 3)
    forged_data = '{"i":999}'
    forged = chain.event_hash(e3.prev_hash, 3, e3.occurred_at.strftime(chain.TS_FORMAT), e3.actor_id,
                              e3.actor_roles, e3.ip, e3.request_id, e3.action, e3.target_type, e3.target_id,
                              forged_data)
    db.session.execute(text("UPDATE audit_events SET data = :d, hash = :h WHERE seq = 3"),
                       {"d": forged_data, "h": forged})
    result = verification.verify()
    assert not result.ok and result.bad_seq == 4 and "link" in result.reason


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x' WHERE seq = 1",
                                       "DELETE FROM audit_events WHERE seq = 1"])
def test_database_refuses_changes_to_the_trail(session, statement):
    build_chain(2)
    db.session.commit()  # releases the test's savepoint; the outer transaction is still rolled back
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert db.session.get(AuditEvent, 1).action == "test.event"


def test_cli_verify_exit_codes(app, session):
    build_chain(3)
    runner = app.test_cli_runner()
    ok = runner.invoke(audit_cli, ["verify"])
    assert ok.exit_code == 0 and "seq=3" in ok.output
    disable_append_only_guard()
    db.session.execute(text("UPDATE audit_events SET action = 'forged' WHERE seq = 2"))
    bad = runner.invoke(audit_cli, ["verify"])
    assert bad.exit_code != 0 and "seq 2" in bad.output


def test_head_page_html_and_json_are_public(client, session):
    events = build_chain(2)
    db.session.commit()
    page = client.get("/audit/head").get_data(as_text=True)
    assert events[-1].hash in page
    data = client.get("/audit/head.json").get_json()
    assert data["seq"] == events[-1].seq and data["hash"] == events[-1].hash
    assert client.get("/audit/head", headers={"Accept": "application/json"}).get_json()["hash"] == events[-1].hash
    assert client.get("/api/v1/audit/head").get_json()["seq"] == events[-1].seq


def test_timestamps_are_utc(session):
    event = build_chain(1)[0]
    db.session.expire_all()
    stored = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == event.seq))
    assert stored.occurred_at.tzinfo is not None
    assert abs((datetime.now(UTC) - stored.occurred_at).total_seconds()) < 60
