"""Verifying the hash-chained audit trail (DESIGN.md section 5): the chain's head, and the walk from the genesis
that recomputes every event's hash (in one piece, or split among worker processes for a long chain). The hashing
itself is audit.chain's canonical_event(), the same that appended the events."""

import hashlib
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from core.db import db, install_sqlite_pragmas, read_only_connection

from .chain import GENESIS, canonical_event
from .models import AuditEvent


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


def head() -> Head:
    row = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return Head(row.seq, row.hash) if row else Head(0, GENESIS)


def hash_at(seq: int) -> str | None:
    """The hash the chain holds at event #seq now, or None (no such event yet)."""
    return db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head: Head
    bad_seq: int | None = None
    reason: str = ""


def _timestamp_sql(dialect: str) -> str:
    if dialect == "postgresql":
        return "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    return "replace(occurred_at, ' ', 'T') || 'Z'"


def _chain_sql(dialect: str, lower: bool, upper: bool) -> str:
    return (f"SELECT seq, {_timestamp_sql(dialect)}, actor_id, actor_roles, ip, request_id, action, target_type, "
            f"target_id, data, prev_hash, hash FROM audit_events{_bounds(lower, upper)} ORDER BY seq")


def _bounds(lower: bool, upper: bool) -> str:
    bounds = [bound for bound, wanted in (("seq >= :lo", lower), ("seq <= :hi", upper)) if wanted]
    return f" WHERE {' AND '.join(bounds)}" if bounds else ""


# SQLite renders the hashed text itself (prev_hash || the JSON array), about twice as fast as building it in Python;
# trusted only after _sqlite_renders_canonically() and never for a REAL actor_id (SQLite and Python print floats
# differently). Any row it does not confirm is judged again by canonical_event().
_RENDERED_SQL = ("SELECT seq, prev_hash, hash, CASE typeof(actor_id) WHEN 'real' THEN NULL ELSE prev_hash || "
                 f"json_array(seq, {_timestamp_sql('sqlite')}, actor_id, actor_roles, ip, request_id, action, "
                 "target_type, target_id, data) END FROM audit_events{where} ORDER BY seq")
_ALL_ASCII = "".join(map(chr, range(128)))
_RENDER_PROBES = [
    (1, _ALL_ASCII, None, "", '"\\', "幸福街道 «é» \u2028\u2029", "\ufeff🎉\U0010ffff", "\x00\x7f", "x",
     '{"a":"b\\"c"}'),
    (2**63 - 1, "2024-01-01T00:00:00.000000Z", 0, "admin,officer", "10.0.0.1", "a1", "user.updated", "users", "7",
     '{"changes":{"名称":["旧","新"]}}'),
    (-(2**63), "\t\n\r\b\f", -(2**63), _ALL_ASCII[::-1], "", "", "", "", "", ""),
]


def _sqlite_renders_canonically(driver_connection) -> bool:
    """Whether this SQLite's json_array() writes exactly what canonical_event() writes, on probes holding every
    ASCII character (the only ones either escapes), non-ASCII text and extreme integers."""
    cursor = driver_connection.cursor()
    try:
        for probe in _RENDER_PROBES:
            rendered = cursor.execute("SELECT json_array(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", probe).fetchone()[0]
            if rendered != canonical_event(*probe):
                return False
    except sqlite3.Error:
        return False
    finally:
        cursor.close()
    return True


@contextmanager
def chain_rows(connection: Connection, lo: int | None = None, hi: int | None = None,
               batch_size: int = 20000) -> Iterator:
    """The events with lo <= seq <= hi (either bound optional) in seq order, as tuples (seq, occurred_at as
    hashed, actor_id, actor_roles, ip, request_id, action, target_type, target_id, data, prev_hash, hash), read
    in the connection's current transaction."""
    dialect = connection.dialect.name
    sql = _chain_sql(dialect, lo is not None, hi is not None)
    params = {name: value for name, value in (("lo", lo), ("hi", hi)) if value is not None}
    if dialect == "sqlite":
        # The driver's own cursor, iterated row by row: faster than a SQLAlchemy Result (bench/audit_verify.py).
        cursor = connection.connection.driver_connection.cursor()
        try:
            yield cursor.execute(sql, params)
        finally:
            cursor.close()
        return
    result = connection.execute(text(sql), params,
                                execution_options={"stream_results": True, "yield_per": batch_size})
    try:
        yield chain.from_iterable(result.partitions(batch_size))
    finally:
        result.close()


def _walk(rows, seq: int, prev: str | None):
    """Check rows (in seq order) that should start at `seq` and link to `prev`. With prev None the first row's
    prev_hash is taken on trust and returned as first_prev, for the caller to check where two segments join.

    Returns (first_prev, next_seq, last_hash, bad): next_seq - 1 and last_hash describe the last good event, bad
    is None or (seq, reason) for the first event that does not match."""
    sha256, canonical = hashlib.sha256, canonical_event
    first_prev = None
    for row_seq, ts, actor_id, roles, ip, rid, action, ttype, tid, data, prev_hash, stored in rows:
        if row_seq != seq:
            return first_prev, seq, prev, (seq, "missing" if row_seq > seq else "out of order")
        if prev_hash != prev:
            if prev is not None:
                return first_prev, seq, prev, (seq, "prev_hash does not link")
            first_prev = prev = prev_hash  # the first row of a later segment
        payload = canonical(row_seq, ts, actor_id, roles, ip, rid, action, ttype, tid, data)
        if sha256((prev + payload).encode()).hexdigest() != stored:
            return first_prev, seq, prev, (seq, "hash does not match content")
        prev = stored
        seq += 1
    return first_prev, seq, prev, None


def _walk_rendered(rows, seq: int, prev: str | None):
    """_walk() over (seq, prev_hash, hash, hashed text rendered by SQLite) rows. It stops at the first row whose
    hash it cannot confirm, with bad None and recheck True, for canonical_event() to judge from there."""
    sha256 = hashlib.sha256
    first_prev = None
    for row_seq, prev_hash, stored, hashed_text in rows:
        if row_seq != seq:
            return first_prev, seq, prev, (seq, "missing" if row_seq > seq else "out of order"), False
        if prev_hash != prev:
            if prev is not None:
                return first_prev, seq, prev, (seq, "prev_hash does not link"), False
            first_prev = prev = prev_hash
        if hashed_text is None or sha256(hashed_text.encode()).hexdigest() != stored:
            return first_prev, seq, prev, None, True
        prev = stored
        seq += 1
    return first_prev, seq, prev, None, False


def _check_range(connection: Connection, start: int, hi: int | None, prev: str | None, batch_size: int):
    """_walk() the events from `start` (to hi, or the end) in the connection's transaction. The range that starts
    the chain has no lower bound, so that stray rows below seq 1 are seen as out of order."""
    lo, first_prev = (None if start == 1 else start), None
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if _sqlite_renders_canonically(raw):
            params = {name: value for name, value in (("lo", lo), ("hi", hi)) if value is not None}
            cursor = raw.cursor()
            try:
                rows = cursor.execute(_RENDERED_SQL.format(where=_bounds(lo is not None, hi is not None)), params)
                first_prev, seq, last, bad, recheck = _walk_rendered(rows, start, prev)
            except sqlite3.OperationalError as error:
                if "BLOB" not in str(error):
                    raise
                # json_array() refuses a BLOB (only a tampered row holds one): judge the whole range in Python.
            else:
                if not recheck:
                    return first_prev, seq, last, bad
                start, prev, lo = seq, last, seq
            finally:
                cursor.close()
    with chain_rows(connection, lo, hi, batch_size) as rows:
        walked_first_prev, seq, last, bad = _walk(rows, start, prev)
    return first_prev or walked_first_prev, seq, last, bad


PARALLEL_MIN_EVENTS = 200_000


def verify(batch_size: int = 20000, *, workers: int | None = None, min_parallel: int | None = None) -> VerifyResult:
    """Walk the chain from the genesis and report the first event that does not match.

    Inside a transaction (or when the session is bound to a connection, as in the tests) the chain is read there,
    so the caller sees its own view. Otherwise verify reads on a connection of its own that takes no write lock,
    and a chain longer than min_parallel events (default PARALLEL_MIN_EVENTS) in a database file or on PostgreSQL
    is split among `workers` processes (default: one per CPU), with the same answer as walking it in one piece."""
    session = db.session()
    bind = session.get_bind()
    if not isinstance(bind, Engine) or session.in_transaction():
        return _verify_on(session.connection(), batch_size)
    min_parallel = PARALLEL_MIN_EVENTS if min_parallel is None else min_parallel
    with read_only_connection(bind) as connection:
        connection.begin()
        head_seq = connection.execute(select(func.max(AuditEvent.seq))).scalar() or 0
        workers = min(workers or os.cpu_count() or 1, head_seq)
        if (workers < 2 or head_seq <= min_parallel or not _shareable(bind)
                or multiprocessing.current_process().daemon):  # (a daemonic process may not start others)
            return _verify_on(connection, batch_size)
    return _verify_parallel(bind, head_seq, workers, batch_size)


def _verify_on(connection: Connection, batch_size: int) -> VerifyResult:
    _first, next_seq, prev, bad = _check_range(connection, 1, None, GENESIS, batch_size)
    head_now = Head(next_seq - 1, prev)
    if bad:
        return VerifyResult(False, head_now.seq, head_now, *bad)
    return VerifyResult(True, head_now.seq, head_now)


def _shareable(engine: Engine) -> bool:
    """Other processes can open this database: PostgreSQL or a SQLite file (not an in-memory one)."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return True
    database = url.database or ""
    return (url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
            and not database.startswith("file::memory:") and "mode=memory" not in str(url))


def _start_method() -> str:
    """fork where it is safe (POSIX, a single-threaded process), so the workers start at once; else spawn."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _verify_parallel(engine: Engine, head_seq: int, workers: int, batch_size: int) -> VerifyResult:
    """Check seq 1..head_seq in `workers` contiguous segments at once, then join them in order: each segment's
    first prev_hash must be the hash its predecessor ended with. The first failure in seq order is reported,
    exactly as one walk from the genesis would (events appended meanwhile are checked by the last segment)."""
    size = -(-head_seq // workers)
    url = engine.url.render_as_string(hide_password=False)
    tasks = [(url, start, start + size - 1 if start + size <= head_seq else None, GENESIS if start == 1 else None,
              batch_size) for start in range(1, head_seq + 1, size)]
    method = _start_method()
    if method == "fork":
        engine.dispose()  # carry no open database connection into the workers
    try:
        pool = multiprocessing.get_context(method).Pool(len(tasks))
    except OSError:  # no process pool here (no POSIX semaphores, say): one walk after all
        with read_only_connection(engine) as connection:
            connection.begin()
            return _verify_on(connection, batch_size)
    with pool:
        # Every segment's answer, before the pool is left: leaving it terminates the workers, and terminating a
        # pool with tasks still queued can hang (seen under a threaded test runner). A tampered chain thus costs
        # the other segments' checks too, which run at the same time.
        answers = list(pool.imap(_verify_segment_task, tasks))
    seq, last = 0, GENESIS
    for task, (first_prev, next_seq, last_hash, bad) in zip(tasks, answers, strict=True):
        start = task[1]
        if first_prev is not None and first_prev != last:
            return VerifyResult(False, seq, Head(seq, last), start, "prev_hash does not link")
        if next_seq > start:
            seq, last = next_seq - 1, last_hash
        if bad:
            return VerifyResult(False, seq, Head(seq, last), *bad)
    return VerifyResult(True, seq, Head(seq, last))


def _verify_segment_task(task: tuple):
    return _verify_segment(*task)


def _verify_segment(url: str, start: int, hi: int | None, prev: str | None, batch_size: int):
    """In a worker process: check events start..hi (hi None: to the end) on a read-only connection of its own."""
    engine = create_engine(url, poolclass=NullPool)
    install_sqlite_pragmas(engine)
    try:
        with read_only_connection(engine) as connection:
            connection.begin()
            first_prev, next_seq, last_hash, bad = _check_range(connection, start, hi, prev, batch_size)
    finally:
        engine.dispose()
    if bad is None and hi is not None and next_seq <= hi:
        bad = (next_seq, "missing")  # the segment ends early: its next event is gone
    return first_prev, next_seq, last_hash, bad
