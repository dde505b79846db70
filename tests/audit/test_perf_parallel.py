"""verify() split among worker processes gives exactly the answer of one walk from the genesis."""

import hashlib

import pytest
from sqlalchemy import text

from app import create_app
from audit import chain, verification
from audit import services as audit
from audit.models import AuditEvent
from core.db import db
from tests.audit.test_chain import disable_append_only_guard
from tests.conftest import ON_POSTGRES, app_config, copy_scratch_database, drop_scratch_database

EVENTS = 40  # two workers: seq 1..20 and 21..40


@pytest.fixture(scope="session")
def chain_database(migrated_database, tmp_path_factory):
    """A committed chain of EVENTS events in a copy of migrated_database, built once per process: each test gets a
    copy (chain_app), not a database filled anew."""
    tmp = tmp_path_factory.mktemp("chain")
    url = copy_scratch_database(migrated_database, tmp)
    application = create_app(app_config(url, tmp))
    with application.app_context():
        for i in range(1, EVENTS + 1):
            audit.record("test.event", ("thing", i), data={"i": i, "名称": f"事件{i}", "q": 'a "b" \\ c'})
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    yield url
    drop_scratch_database(url)


@pytest.fixture
def chain_app(chain_database, tmp_path):
    """A committed chain of EVENTS events in a database of its own (a copy of chain_database's)."""
    url = copy_scratch_database(chain_database, tmp_path)
    application = create_app(app_config(url, tmp_path))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
    drop_scratch_database(url)


def both_ways(workers=2):
    """verify() in one process and in `workers`, each on a session outside any transaction."""
    db.session.remove()
    one = verification.verify(workers=1)
    db.session.remove()
    split = verification.verify(workers=workers, min_parallel=0)
    db.session.remove()
    return one, split


def tamper(*statements, params=None):
    disable_append_only_guard()
    for statement in statements:
        db.session.execute(text(statement), params or {})
    db.session.commit()


def forge(seq, data):
    """Edit an event and recompute its own hash, as a careful forger would: the next event no longer links."""
    event = db.session.get(AuditEvent, seq)
    forged = chain.event_hash(event.prev_hash, seq, event.occurred_at.strftime(chain.TS_FORMAT), event.actor_id,
                              event.actor_roles, event.ip, event.request_id, event.action, event.target_type,
                              event.target_id, data)
    tamper("UPDATE audit_events SET data = :d, hash = :h WHERE seq = :s", params={"d": data, "h": forged, "s": seq})


def assert_parallel_path_taken(monkeypatch):
    calls = []
    original = verification._verify_parallel

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(verification, "_verify_parallel", spy)
    return calls


@pytest.mark.committing
def test_intact_chain(chain_app, monkeypatch):
    calls = assert_parallel_path_taken(monkeypatch)
    with chain_app.app_context():
        one, split = both_ways()
        three = verification.verify(workers=3, min_parallel=0)
        head = verification.head()
    assert len(calls) == 2
    assert one == split == three
    assert split.ok and split.checked == EVENTS and split.head == head


@pytest.mark.committing
def test_small_chains_stay_in_one_process(chain_app, monkeypatch):
    calls = assert_parallel_path_taken(monkeypatch)
    with chain_app.app_context():
        assert verification.verify(workers=2).ok  # below PARALLEL_MIN_EVENTS
        assert verification.verify(workers=2, min_parallel=EVENTS).ok
        with db.session.begin():  # inside a transaction verify reads there
            assert verification.verify(workers=2, min_parallel=0).ok
    assert calls == []


@pytest.fixture(params=["sqlite renders", "python renders"])
def renderer(request, monkeypatch):
    """On SQLite, verify lets json_array() render the hashed text once it renders canonically; check both ways."""
    if request.param == "python renders":
        monkeypatch.setattr(verification, "_sqlite_renders_canonically", lambda _connection: False)
    return request.param


@pytest.mark.committing
@pytest.mark.parametrize(("statements", "bad_seq", "reason"), [
    (["UPDATE audit_events SET data = '[30]' WHERE seq = 30"], 30, "hash does not match content"),
    (["UPDATE audit_events SET action = 'x' WHERE seq = 21"], 21, "hash does not match content"),
    (["UPDATE audit_events SET data = '{}' WHERE seq = 5", "UPDATE audit_events SET data = '{}' WHERE seq = 30"],
     5, "hash does not match content"),
    (["DELETE FROM audit_events WHERE seq = 21"], 21, "missing"),  # the first event of the second segment
    (["DELETE FROM audit_events WHERE seq = 20"], 20, "missing"),  # the last event of the first segment
    (["DELETE FROM audit_events WHERE seq IN (20, 21)"], 20, "missing"),
    (["DELETE FROM audit_events WHERE seq >= 15 AND seq <= 25"], 15, "missing"),
    (["DELETE FROM audit_events WHERE seq = 33"], 33, "missing"),
    (["DELETE FROM audit_events WHERE seq = 1"], 1, "missing"),
    (["UPDATE audit_events SET seq = -2 WHERE seq = 2", "UPDATE audit_events SET seq = 2 WHERE seq = 25",
      "UPDATE audit_events SET seq = 25 WHERE seq = -2"], 2, "prev_hash does not link"),
    (["UPDATE audit_events SET seq = -1 WHERE seq = 7"], 1, "out of order"),  # a stray row below seq 1
    (["UPDATE audit_events SET prev_hash = 'x' WHERE seq = 21"], 21, "prev_hash does not link"),
    (["UPDATE audit_events SET actor_id = 1.5 WHERE seq = 27"], 27, "hash does not match content"),
    pytest.param(["UPDATE audit_events SET actor_id = 'somebody' WHERE seq = 3"], 3, "hash does not match content",
                 marks=pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL refuses text in an integer column")),
])
def test_tampering_is_named_as_one_walk_names_it(chain_app, renderer, statements, bad_seq, reason):
    with chain_app.app_context():
        tamper(*statements)
        one, split = both_ways()
    assert one == split
    assert not split.ok and split.bad_seq == bad_seq and split.reason == reason
    assert split.checked == split.head.seq == (bad_seq - 1 if reason != "out of order" else 0)


@pytest.mark.committing
@pytest.mark.parametrize("seq", [20, 21, 10, 40])
def test_rewritten_hash_breaks_the_next_link_even_across_segments(chain_app, renderer, seq):
    with chain_app.app_context():
        forge(seq, '{"i":999}')
        one, split = both_ways()
    assert one == split
    if seq == EVENTS:  # the head itself was rewritten: only the published head can show that
        assert split.ok
    else:
        assert not split.ok and split.bad_seq == seq + 1 and split.reason == "prev_hash does not link"
        assert split.head.seq == seq


@pytest.mark.committing
def test_workers_started_by_spawn_agree(chain_app, monkeypatch):
    monkeypatch.setattr(verification, "_start_method", lambda: "spawn")
    with chain_app.app_context():
        intact = verification.verify(workers=2, min_parallel=0)
        tamper("DELETE FROM audit_events WHERE seq = 21")
        one, split = both_ways()
    assert intact.ok and intact.checked == EVENTS
    assert one == split and split.bad_seq == 21 and split.reason == "missing"


@pytest.mark.committing
def test_without_process_pools_one_walk_answers(chain_app, monkeypatch):
    class NoPools:
        def Pool(self, _processes):  # noqa: N802 (multiprocessing's name)
            raise OSError("no semaphores here")

    monkeypatch.setattr(verification.multiprocessing, "get_context", lambda _method: NoPools())
    with chain_app.app_context():
        intact = verification.verify(workers=2, min_parallel=0)
        tamper("DELETE FROM audit_events WHERE seq = 25")
        db.session.remove()
        broken = verification.verify(workers=2, min_parallel=0)
    assert intact.ok and intact.checked == EVENTS
    assert not broken.ok and broken.bad_seq == 25 and broken.reason == "missing"


@pytest.mark.committing
@pytest.mark.parametrize("workers", [3, 7])
def test_uneven_segments(chain_app, workers):
    with chain_app.app_context():
        intact = verification.verify(workers=workers, min_parallel=0)
        tamper("DELETE FROM audit_events WHERE seq = 15")
        one, split = both_ways(workers)
    assert intact.ok and intact.checked == EVENTS
    assert one == split and split.bad_seq == 15


@pytest.mark.committing
@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's own rendering is only used on SQLite")
def test_sqlite_rendering_is_used_and_never_trusted_for_floats(chain_app):
    """A forger who hashes a REAL actor_id the way SQLite prints it (0.3) is still caught: Python prints
    0.30000000000000004, and the published recipe is Python's."""
    with chain_app.app_context():
        raw = db.session.connection().connection.driver_connection
        assert verification._sqlite_renders_canonically(raw)
        db.session.rollback()
        event = db.session.get(AuditEvent, 30)
        ts = event.occurred_at.strftime(chain.TS_FORMAT)
        sqlite_text = raw.execute("SELECT json_array(30, ?, 0.1 + 0.2, ?, ?, ?, ?, ?, ?, ?)",
                                  (ts, event.actor_roles, event.ip, event.request_id, event.action,
                                   event.target_type, event.target_id, event.data)).fetchone()[0]
        assert "0.3," in sqlite_text
        forged = hashlib.sha256((event.prev_hash + sqlite_text).encode()).hexdigest()
        db.session.rollback()
        tamper("UPDATE audit_events SET actor_id = 0.1 + 0.2, hash = :h WHERE seq = 30", params={"h": forged})
        one, split = both_ways()
    assert one == split and split.bad_seq == 30 and split.reason == "hash does not match content"


@pytest.mark.committing
@pytest.mark.skipif(ON_POSTGRES, reason="only SQLite stores a BLOB in a text column")
def test_a_blob_fails_as_it_always_did(chain_app):
    with chain_app.app_context():
        tamper("UPDATE audit_events SET ip = x'00ff' WHERE seq = 12")
        for workers in (1, 2):
            db.session.remove()
            with pytest.raises(TypeError, match="bytes"):
                verification.verify(workers=workers, min_parallel=0)


def test_an_in_memory_database_is_never_shared():
    assert not verification._shareable(db_engine("sqlite://"))
    assert not verification._shareable(db_engine("sqlite:///:memory:"))
    assert not verification._shareable(db_engine("sqlite:///file::memory:?cache=shared&uri=true"))
    assert verification._shareable(db_engine("sqlite:////tmp/gongzhi.db"))
    assert verification._shareable(db_engine("postgresql+psycopg://u@localhost/gongzhi"))


def db_engine(url):
    import sqlalchemy as sa

    return sa.create_engine(url)
