"""Read-only work on SQLite begins DEFERRED, so `flask audit verify` neither waits for nor blocks writers."""

import sqlite3
import time

import pytest
import sqlalchemy as sa

from app import create_app
from audit import services as audit
from audit import verification
from audit.cli import audit_cli
from core.db import db, read_only_connection, read_only_transactions
from tests.conftest import ON_POSTGRES, app_config

pytestmark = [pytest.mark.committing,
              pytest.mark.skipif(ON_POSTGRES, reason="BEGIN IMMEDIATE is how SQLite serialises writers")]


@pytest.fixture
def scratch_app(migrated_url, tmp_path):
    application = create_app(app_config(migrated_url, tmp_path))
    with application.app_context():
        for i in range(5):
            audit.record("test.event", ("thing", i), data={"i": i})
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def begins(scratch_app):
    """The BEGIN statements the app's engine sends."""
    seen = []

    def _listen(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    with scratch_app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", _listen)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", _listen)


@pytest.fixture
def writer(migrated_url):
    """Another process's connection holding SQLite's write lock."""
    path = sa.make_url(migrated_url).database
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_work_outside_requests_still_begins_immediate(scratch_app, begins):
    with scratch_app.app_context():
        db.session.connection()
        db.session.rollback()
    assert begins == ["BEGIN IMMEDIATE"]


def test_read_only_work_begins_deferred(scratch_app, begins):
    with scratch_app.app_context():
        with read_only_transactions():
            assert verification.head().seq == 5
        db.session.rollback()
        with read_only_connection(db.engine) as connection:
            connection.begin()
            assert connection.execute(sa.text("SELECT count(*) FROM audit_events")).scalar() == 5
        db.session.connection()  # and afterwards writers lock up front again
        db.session.rollback()
    assert begins == ["BEGIN", "BEGIN", "BEGIN IMMEDIATE"]


def test_requests_keep_their_rule(scratch_app, begins):
    with scratch_app.test_request_context("/", method="GET"):
        scratch_app.preprocess_request()
        db.session.connection()
        db.session.rollback()
    with scratch_app.test_request_context("/", method="POST"):
        scratch_app.preprocess_request()
        db.session.connection()
        db.session.rollback()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


@pytest.mark.parametrize("split", [False, True])
def test_cli_verify_runs_while_a_writer_holds_the_lock(scratch_app, begins, writer, split, monkeypatch):
    if split:  # force the split among worker processes on this short chain
        monkeypatch.setattr(verification, "PARALLEL_MIN_EVENTS", 0)
        monkeypatch.setattr(verification.os, "cpu_count", lambda: 2)
    started = time.monotonic()
    result = scratch_app.test_cli_runner().invoke(audit_cli, ["verify"])
    assert result.exit_code == 0, result.output
    assert "OK: 5 events verified" in result.output
    assert time.monotonic() - started < 10  # SQLite's busy timeout is 30 s: it did not wait for the writer
    assert "BEGIN IMMEDIATE" not in begins


def test_cli_head_runs_while_a_writer_holds_the_lock(scratch_app, writer):
    started = time.monotonic()
    result = scratch_app.test_cli_runner().invoke(audit_cli, ["head"])
    assert result.exit_code == 0 and result.output.startswith("5 ")
    assert time.monotonic() - started < 10
