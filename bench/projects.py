"""Benchmark: the officer's projects dashboard and a project page with 5,000 active projects of 20 expenses each,
served by gunicorn (2 workers) and driven by wrk, beside the floor (bench/bare_app.py) in the same run.

Prepares scratch SQLite databases (migrations + `flask demo`): the demo database as the small case, and a copy with
5,000 more active projects bulk-inserted (bench/_projects_seed.py). Counts the SQL statements each page issues
in-process on both databases (they must match: the dashboard aggregates in SQL and pages, it never loads every
project), then loads each page on the large database logged in as `officer`, then the floor on the same file.

    .venv/bin/python bench/projects.py [--projects 5000] [--expenses 20] [--duration 8] [--connections 16]
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import WrkResult  # noqa: E402  (bench/ is on sys.path when run as a script)
from directory import copy_database, gunicorn, prepare_demo
from pages import fetch, log_in, wrk

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
COUNT_RE = re.compile(r'id="count-(\w+)">(\d+)<')
ROW_RE = re.compile(r'<tr><td><a href="/contracts/\d+">')
sys.path.insert(0, str(ROOT))


def pages_for(sample_id: int, small_sample: int) -> list[tuple[str, str, str]]:
    """(label, path on the large database, same page on the demo database)."""
    return [("dashboard", "/contracts/", "/contracts/"),
            ("dashboard p.200", "/contracts/?page=200", "/contracts/?page=200"),
            ("project page", f"/contracts/{sample_id}", f"/contracts/{small_sample}")]


def count_queries(db_path: Path, paths: list[str]) -> list[tuple[int, float, str]]:
    """(SQL statements, best of 5 ms, the page) per path, in-process, logged in as officer."""
    from sqlalchemy import event

    from app import create_app
    from core.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args):
        statements.append(statement)

    client = app.test_client()
    if client.post("/login", data={"username": "officer", "password": "gongzhi-demo"}).status_code != 302:
        raise RuntimeError("in-process login failed")
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        results = []
        for path in paths:
            client.get(path)
            statements.clear()
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"in-process GET {path}: {response.status_code}")
            issued, best = len(statements), float("inf")
            for _ in range(5):
                t0 = time.perf_counter()
                client.get(path)
                best = min(best, time.perf_counter() - t0)
            results.append((issued, best * 1000, response.get_data(as_text=True)))
        return results
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        with app.app_context():
            db.engine.dispose()


def small_sample(db_path: Path) -> int:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT c.id FROM contracts c JOIN fee_payments f ON f.contract_id = c.id "
                            "WHERE f.status = 'confirmed' ORDER BY c.id LIMIT 1").fetchone()[0]


def measure(base: str, path: str, cookie: str, args) -> WrkResult:
    wrk(base + path, args, cookie, duration=args.warmup)
    result = wrk(base + path, args, cookie)
    fetch(base + path, cookie)  # waits behind anything still queued
    if result.non_2xx_3xx or not result.requests:
        raise RuntimeError(f"{path}: {result.non_2xx_3xx} non-2xx/3xx of {result.requests}:\n{result.output}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--expenses", type=int, default=20)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed. Install it with:  sudo apt-get install -y wrk", file=sys.stderr)
        return 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-projects-") as tmp:
        tmp_dir = Path(tmp)
        log, small_db, big_db = tmp_dir / "server.log", tmp_dir / "small.db", tmp_dir / "projects.db"
        base_env = {**os.environ, "SECRET_KEY": "bench", "GONGZHI_INSTANCE": str(tmp_dir / "instance"),
                    "REDIS_URL": "", "FLASK_DEBUG": "0"}
        os.environ.update(GONGZHI_INSTANCE=base_env["GONGZHI_INSTANCE"], REDIS_URL="")
        big_env = {**base_env, "DATABASE_URL": f"sqlite:///{big_db}"}
        try:
            t0 = time.monotonic()
            prepare_demo({**base_env, "DATABASE_URL": f"sqlite:///{small_db}"}, log)
            copy_database(small_db, big_db)
            print(f"demo database ready in {time.monotonic() - t0:.1f} s", flush=True)
            from _projects_seed import seed

            seeded = seed(big_db, args.projects, args.expenses)
            print(f"inserted {seeded.contracts} active projects ({seeded.overdue} overdue) with {seeded.expenses} "
                  f"expenses in {seeded.seconds:.1f} s", flush=True)
            pages = pages_for(seeded.sample_id, small_sample(small_db))
            small = count_queries(small_db, [p[2] for p in pages])
            big = count_queries(big_db, [p[1] for p in pages])
            counts = dict(COUNT_RE.findall(big[0][2]))
            if len(ROW_RE.findall(big[0][2])) != 20 or int(counts.get("overdue", 0)) < seeded.overdue:
                raise RuntimeError(f"the large dashboard does not show what was seeded: {counts}")
            results = {}
            with gunicorn("app:create_app()", big_env, log, args.gunicorn_threads, probe="/login") as base:
                cookie = "session=" + log_in(base + "/")
                for label, path, _small in pages:
                    status, body, _sets_cookie = fetch(base + path, cookie)
                    if status != 200 or "王芳" not in body:
                        raise RuntimeError(f"GET {path} as officer: {status}")
                    print(f"  loading {path} ...", flush=True)
                    results[label] = measure(base, path, cookie, args)
            with gunicorn("bare_app:app", big_env, log, args.gunicorn_threads, chdir=BENCH) as base:
                print("  loading the floor (bench/bare_app.py) ...", flush=True)
                floor = measure(base, "/", "", args)
        except Exception:
            if log.exists():
                print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
    print()
    print(f"{seeded.contracts} active projects x {args.expenses} expenses (+ the demo's); dashboard counts {counts}")
    print(f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s; gunicorn 2 workers x "
          f"{args.gunicorn_threads} thread(s); SQLite")
    print(f"{'page':<16} {'path':<26} {'req/s':>8} {'p99 ms':>8} {'/floor':>7} {'SQL demo':>9} {'SQL large':>10} "
          f"{'ms demo':>8} {'ms large':>9}")
    mismatches = 0
    for (label, path, _s), (s_n, s_ms, _), (b_n, b_ms, _) in zip(pages, small, big, strict=True):
        r = results[label]
        mismatches += s_n != b_n
        print(f"{label:<16} {path:<26} {r.requests_per_s:>8.1f} {r.p99_ms:>8.1f} "
              f"{r.requests_per_s / floor.requests_per_s:>7.2f} {s_n:>9} {b_n:>10} {s_ms:>8.1f} {b_ms:>9.1f}"
              f"  {'OK' if s_n == b_n else 'MISMATCH'}")
    print(f"{'floor':<16} {'bare_app.py (1 query)':<26} {floor.requests_per_s:>8.1f} {floor.p99_ms:>8.1f}")
    print(f"\nqueries per page {'constant' if not mismatches else 'NOT constant'} between the demo database and "
          f"{seeded.contracts} more projects; total {time.monotonic() - started:.0f} s")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
