"""The tests of a data migration: a scratch database upgraded to the revision before it, holding rows inserted as a
database at that revision holds them; the test then upgrades (and downgrades) and reads what became of them."""

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from core.db import db
from tests.conftest import app_config


def stored(value: datetime, dialect: str):
    """A timestamp as the app stores it: naive UTC on SQLite (core.db.UTCDateTime), aware on PostgreSQL."""
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


@contextlib.contextmanager
def database_at(scratch_url: str, tmp_path, revision: str,
                insert: Callable[[sa.Connection, str], None]) -> Iterator[str]:
    """Inside the app's context, the scratch database upgraded to `revision` with the rows insert(connection,
    dialect name) wrote. They are written through an engine of their own (the app's turns SQLite's foreign keys on)
    with foreign keys not enforced, so that they need nothing behind them. Yields the dialect's name."""
    application = create_app(app_config(scratch_url, tmp_path))
    with application.app_context():
        upgrade(revision=revision)
        db.engine.dispose()
    engine = sa.create_engine(scratch_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        insert(conn, engine.dialect.name)
    engine.dispose()
    with application.app_context():
        try:
            yield db.engine.dialect.name
        finally:
            db.engine.dispose()
