"""Benchmark: audit.verification.verify() over a long hash chain.

Builds N events (default 1,000,000) with real hashes in a scratch database made by the migrations, then times
verify() (which splits a long chain among one worker process per CPU) and verify(workers=1) beside floors: the
same rows fetched the way verify() fetches them, in one process, without hashing (on SQLite the hashed text is
rendered by SQLite's json_array(), checked against chain.canonical_event()); and the plain SELECT of the columns
fetched through a SQLAlchemy Result, as verify() read them before.

    .venv/bin/python bench/audit_verify.py [--events N] [--repeat R]
                                           [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

import argparse
import contextlib
import io
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import text

# The project root first: run as a script, bench/ is on the path first and bench/projects.py would stand in for
# the projects package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from audit import chain, verification  # noqa: E402
from audit import services as audit  # noqa: E402
from core.db import db, read_only_connection  # noqa: E402

TARGET_EVENTS_PER_S = 300_000
BATCH = 50_000
COLUMNS = ("seq", "occurred_at", "actor_id", "actor_roles", "ip", "request_id", "action", "target_type",
           "target_id", "data", "prev_hash", "hash")
ACTIONS = ("auth.login", "user.updated", "document.issued", "voucher.redeemed", "project.created")
ROLES = ("admin", "officer", "auditor", "evaluator", "resident")
NOTES = ("幸福街道 采购", "和平社区 服务", "光明社区 评估", "居民 服务券", "plain ascii note")


def chain_batches(count: int, batch: int = BATCH):
    """Yield lists of rows (tuples in COLUMNS order), hashed exactly as audit.services.record() does.

    Events are 1.237 ms apart from 2024-01-01 UTC. SQLite keeps occurred_at as SQLAlchemy writes it
    ('YYYY-MM-DD HH:MM:SS.ffffff'); the hash uses the same instant formatted with chain.TS_FORMAT.
    """
    start = datetime(2024, 1, 1, tzinfo=UTC)
    prev = chain.GENESIS
    rows = []
    second, stored_prefix, hashed_prefix = None, "", ""
    for seq in range(1, count + 1):
        whole, micro = divmod(seq * 1_237, 1_000_000)
        if whole != second:  # strftime once a second, not once an event
            second = whole
            moment = start + timedelta(seconds=whole)
            stored_prefix, hashed_prefix = moment.strftime("%Y-%m-%d %H:%M:%S."), moment.strftime("%Y-%m-%dT%H:%M:%S.")
        stored_ts, hashed_ts = f"{stored_prefix}{micro:06d}", f"{hashed_prefix}{micro:06d}Z"
        kind = seq % 5
        actor_id = None if kind == 0 else seq % 97 + 1
        roles = "" if actor_id is None else ROLES[kind]
        ip = f"10.0.{seq % 251}.{seq % 199}"
        request_id = f"{seq * 2_654_435_761 % (1 << 128):032x}"
        action = ACTIONS[kind]
        target_type, target_id = ("users", str(actor_id)) if actor_id else ("", "")
        # == audit.canonical_json({"n": seq, "note": ..., "changes": {"amount": [...]}}) (checked in main), 3x faster
        data = f'{{"changes":{{"amount":[{seq % 1000},{seq}]}},"n":{seq},"note":"{NOTES[kind]}"}}'
        digest = chain.event_hash(prev, seq, hashed_ts, actor_id, roles, ip, request_id, action, target_type,
                                  target_id, data)
        rows.append((seq, stored_ts, actor_id, roles, ip, request_id, action, target_type, target_id, data, prev,
                     digest))
        prev = digest
        if len(rows) == batch:
            yield rows
            rows = []
    if rows:
        yield rows


def load_sqlite(path: Path, count: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")  # a scratch file: no need to survive a power cut
    conn.execute("PRAGMA cache_size=-512000")  # 512 MB, so the unique indexes on the hashes build in memory
    sql = f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    conn.execute("BEGIN")
    for rows in chain_batches(count):
        conn.executemany(sql, rows)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def load_postgres(url: str, count: int) -> None:
    import psycopg

    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY audit_events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for rows in chain_batches(count):
                for row in rows:
                    copy.write_row((*row[:1], row[1] + "+00", *row[2:]))
        cur.execute("ANALYZE audit_events")


def fetch_only() -> int:
    """The floor: verify()'s own SELECT, fetched as verify() fetches it (on SQLite the hashed text rendered by
    SQLite, through the driver's cursor), unpacking each row; no SHA-256."""
    n = 0
    with read_only_connection(db.engine) as connection:
        connection.begin()
        if connection.dialect.name == "sqlite":
            cursor = connection.connection.driver_connection.cursor()
            for _seq, _prev, _stored, _text in cursor.execute(verification._RENDERED_SQL.format(where="")):
                n += 1
            cursor.close()
            return n
        with verification.chain_rows(connection) as rows:
            for _seq, _ts, _a, _r, _ip, _rid, _act, _tt, _ti, _data, _prev, _stored in rows:
                n += 1
    return n


def fetch_via_result(batch_size: int = 20000) -> int:
    """The same SELECT streamed through a SQLAlchemy Result, as verify() read it before."""
    n = 0
    with read_only_connection(db.engine) as connection:
        sql = text(
            f"SELECT seq, {verification._timestamp_sql(connection.dialect.name)}, actor_id, actor_roles, ip, "
            "request_id, action, target_type, target_id, data, prev_hash, hash FROM audit_events ORDER BY seq"
        )
        result = connection.execution_options(stream_results=True, yield_per=batch_size).execute(sql)
        for rows in result.partitions(batch_size):
            for _seq, _ts, _a, _r, _ip, _rid, _act, _tt, _ti, _data, _prev, _stored in rows:
                n += 1
        result.close()
    return n


def verify_one_process():
    return verification.verify(workers=1)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (verify()'s worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn):
    t0, c0 = time.perf_counter(), cpu_seconds()
    value = fn()
    return time.perf_counter() - t0, value, cpu_seconds() - c0


def best_of(app, fn, repeat: int):
    """Run fn in a fresh app context (and so a fresh transaction) each time; keep the fastest run
    (elapsed seconds, fn's value, CPU seconds it used in all processes)."""
    best = None
    for _ in range(repeat):
        with app.app_context():
            elapsed, value, cpu = timed(fn)
            db.session.rollback()
        if best is None or elapsed < best[0]:
            best = (elapsed, value, cpu)
    return best


def run(label: str, url: str, count: int, repeat: int, loader) -> bool:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
        upgrade()
        db.session.remove()
        db.engine.dispose()
    load_s, _, _ = timed(lambda: loader(count))
    print(f"[{label}] built {count:,} events in {load_s:.1f} s")

    best_of(app, fetch_only, 1)  # warm the caches once, so neither contender pays for the first read
    floor_s, fetched, _ = best_of(app, fetch_only, repeat)
    result_floor_s, fetched_via_result, _ = best_of(app, fetch_via_result, repeat)
    verify_s, result, verify_cpu = best_of(app, verification.verify, repeat)
    single_s, single, single_cpu = best_of(app, verify_one_process, repeat)
    with app.app_context():
        db.engine.dispose()
    assert fetched == fetched_via_result == count, f"fetched {fetched}/{fetched_via_result} rows, expected {count}"
    for outcome in (result, single):
        assert outcome.ok and outcome.checked == count, f"verify() returned {outcome}"

    rate = count / verify_s
    verdict = "PASS" if rate >= TARGET_EVENTS_PER_S else "FAIL"
    workers = os.cpu_count() if count > verification.PARALLEL_MIN_EVENTS else 1
    print(f"[{label}] verify():            {rate:>11,.0f} events/s  ({verify_s:.2f} s, ok={result.ok}, "
          f"checked={result.checked:,}, {workers} worker process(es), best of {repeat}; "
          f"{verify_cpu:.2f} CPU-s in all)")
    print(f"[{label}] verify(workers=1):   {count / single_s:>11,.0f} events/s  ({single_s:.2f} s, one process; "
          f"{single_cpu:.2f} CPU-s)")
    print(f"[{label}] floor (fetch only):  {count / floor_s:>11,.0f} rows/s    ({floor_s:.2f} s, one process, "
          "same SELECT and fetch as verify(), no hashing)")
    print(f"[{label}] fetch via Result:    {count / result_floor_s:>11,.0f} rows/s    ({result_floor_s:.2f} s, "
          "the plain 12-column SELECT through SQLAlchemy's Result, as verify() read it before)")
    print(f"[{label}] target:            ≥ {TARGET_EVENTS_PER_S:,} events/s  -> {verdict} "
          f"(load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)")
    return rate >= TARGET_EVENTS_PER_S


def run_sqlite(tmp: Path, count: int, repeat: int) -> bool:
    path = tmp / "bench.db"
    return run("sqlite", f"sqlite:///{path}", count, repeat, lambda n: load_sqlite(path, n))


def run_postgres(admin_url: str, count: int, repeat: int) -> bool:
    admin_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"gz_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        return run("postgresql", url, count, repeat, lambda n: load_postgres(url, n))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each contender; the best is kept")
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL (a scratch database is made)")
    args = parser.parse_args()
    for row in next(chain_batches(10, batch=10)):
        seq, note = row[0], NOTES[row[0] % 5]
        assert row[9] == audit.canonical_json({"n": seq, "note": note, "changes": {"amount": [seq % 1000, seq]}})
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
        os.environ["GONGZHI_INSTANCE"] = str(Path(tmp) / "instance")  # keep the repo's instance/ out of it
        run_sqlite(Path(tmp), args.events, args.repeat)
        if args.postgres:
            run_postgres(args.postgres, args.events, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
