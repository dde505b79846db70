"""A request that races another transaction: the other has written and not yet committed when the request looks,
and commits while the request waits on it. On PostgreSQL the request's check cannot see the uncommitted row and
its write waits on the row or unique index; on SQLite the request waits for the write lock itself, then sees it."""

import contextlib
import threading
import time

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from core.db import db
from tests.conftest import app_config


@contextlib.contextmanager
def committed_app(scratch_url: str, tmp_path, build):
    """An app on a scratch database of its own (the races need committed rows that other connections see),
    migrated (upgrade() finds nothing to do on a migrated_url), with what build() makes committed: yields (the app,
    build()'s result)."""
    application = create_app(app_config(scratch_url, tmp_path))
    with application.app_context():
        upgrade()
        facts = build()
        db.session.commit()
    try:
        yield application, facts
    finally:
        with application.app_context():
            db.engine.dispose()


def logged_in(application, username: str):
    """A test client of the app, logged in through the real form as username (the factories' password)."""
    from tests.factories import PASSWORD, login

    client = application.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def wait_until_blocked(engine: sa.Engine) -> None:
    """Until another connection waits on a lock: on PostgreSQL a backend waiting on a lock; SQLite shows no such
    thing, where the request waits for the write lock (a short pause instead)."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                           " AND wait_event_type = 'Lock'")).scalar()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the request never waited on the other transaction")


def while_uncommitted(engine: sa.Engine, statement, request):
    """Run request() (which returns a response) in a thread while another connection holds `statement` written
    and uncommitted; commit it once the request waits on it; return the request's response."""
    answers = []
    other = engine.connect()
    writing = other.begin()
    other.execute(statement)
    worker = threading.Thread(target=lambda: answers.append(request()))
    worker.start()
    try:
        wait_until_blocked(engine)
    finally:
        writing.commit()
        other.close()
    worker.join(60)
    assert not worker.is_alive() and len(answers) == 1, "the request did not finish"
    return answers[0]
