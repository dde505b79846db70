"""Database base class, naming convention and the SQLite write-transaction rule."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import g, has_request_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every database (SQLite keeps no zone, so we restore it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_check(column: str, enum_cls) -> str:
    """SQL for a CHECK constraint limiting a string column to an enum's values."""
    values = ", ".join(f"'{member.value}'" for member in enum_cls)
    return f"{column} IN ({values})"


# Execution option marking a connection whose transactions only read (see read_only_connection()).
READ_ONLY = "gongzhi_read_only"
_reading_only: ContextVar[bool] = ContextVar("gongzhi_reading_only", default=False)


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Transactions that begin inside this block only read, so on SQLite they begin DEFERRED: they neither wait
    for nor block writers. Do not write inside it (a deferred transaction that later writes may fail with
    SQLITE_BUSY instead of waiting its turn)."""
    token = _reading_only.set(True)
    try:
        yield
    finally:
        _reading_only.reset(token)


def read_only_connection(engine: Engine) -> Connection:
    """A new connection for reading only: a plain (deferred) BEGIN on SQLite, READ ONLY on PostgreSQL."""
    options = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    return engine.connect().execution_options(**options)


def want_immediate_transactions() -> bool:
    """Requests that may write (POST…) and all work outside requests (CLI, workers) lock up front, unless the
    work is declared read-only (read_only_transactions())."""
    if _reading_only.get():
        return False
    return not has_request_context() or g.get("write_transaction", False)


def install_sqlite_pragmas(engine: Engine) -> None:
    """Make SQLite behave: foreign keys on, WAL, and write transactions that begin IMMEDIATE.

    pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves
    (this is also what makes SAVEPOINT work for the tests).
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = want_immediate_transactions() and not connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def upsert_dialect():
    """The dialect module (sqlalchemy.dialects.postgresql or .sqlite) whose insert() has ON CONFLICT, for the
    session's database."""
    return postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite


def utcnow() -> datetime:
    return datetime.now(UTC)


def render_migration_item(type_, obj, autogen_context):
    """Alembic: write UTCDateTime as a plain timezone-aware DateTime so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def ensure_write_transaction() -> bool:
    """Before a read-only request (GET) writes: end its deferred transaction and start again with the write lock,
    so SQLite never has to upgrade a read snapshot (which can fail under load). Returns True when it restarted,
    in which case objects loaded before must be loaded again."""
    if not has_request_context() or g.get("write_transaction", False):
        return False
    db.session.rollback()
    g.write_transaction = True
    return True


def lock_row(obj, *attributes: str) -> None:
    """Lock obj's row until the transaction ends and read the given attributes again: a decision taken on them (a
    status change, a payment) then sees what a concurrent request committed first, instead of the values both
    requests loaded before either committed. PostgreSQL takes the row lock (SELECT … FOR UPDATE; the second request
    waits for the first to commit); SQLite's writers are serialised already, so there it only reads again."""
    model = type(obj)
    db.session.execute(select(model.id).where(model.id == obj.id).with_for_update())
    db.session.refresh(obj, attribute_names=list(attributes) or None)
