"""Benchmark: the public directory (GET /orgs/) with 100,000 organisations, served by gunicorn, driven by wrk.

Prepares scratch SQLite databases (migrations + `flask demo`): the demo database as the small case, and a copy with
100,000 more organisations bulk-inserted (bench/_directory_seed.py). Serves the app with gunicorn (2 workers) on
127.0.0.1 against the large database and loads the first page, a deep page, a filtered page and two searches with
wrk; the floor is bench/bare_app.py (bare Flask, one query) on the same database file, served and loaded the same way
in the same run. Each page is fetched and checked first: 200, organisation names listed, no unpublished name shown.
Then counts the SQL statements each page issues, in-process, on the small and on the large database: they must match.

    .venv/bin/python bench/directory.py [--duration 8] [--connections 16] [--orgs 100000] [--no-small-load]

Takes about 3–4 minutes on 2 cores (building the demo data ~20 s, the bulk insert ~10 s, load ~2.5 min).
"""

import argparse
import contextlib
import html
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from _common import WrkResult, free_port, parse_wrk, serving  # noqa: E402  (bench/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
TARGET_RATIO = 0.4
PER_PAGE = 20  # orgs.views.PER_PAGE
DEEP_PAGE = 4000
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
NAME_RE = re.compile(r'<strong class="org-name">(.*?)</strong>', re.S)
COUNT_RE = re.compile(r'id="result-count">\D*(\d+)')
PUBLIC = ("approved", "suspended", "deregistered")  # orgs.enums.PUBLIC_STATUSES

sys.path.insert(0, str(ROOT))


@dataclass
class Page:
    label: str
    path: str  # on the large database
    small_path: str  # the same page on the demo database (the deep page there is its last page)
    must_contain: str = ""  # every listed name contains this
    initials: str = ""  # every listed name's pinyin initials contain this


@contextlib.contextmanager
def gunicorn(target: str, env: dict, log: Path, threads: int, chdir: Path = ROOT, probe: str = "/"):
    """Serve a WSGI app with gunicorn (2 workers) on a free 127.0.0.1 port; always stop it afterwards."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", "2", "--threads", str(threads),
               "--timeout", "120", "--chdir", str(chdir), "--log-level", "warning", target]
    base = f"http://{HOST}:{port}"
    with serving(command, ROOT, env, log, base + probe, probe_timeout=10):  # a big directory page is slow
        yield base


def fetch(url: str, timeout: float = 60) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode()


def drain(url: str) -> None:
    """wrk drops its connections when time is up, but gunicorn's sync workers still serve every request already
    queued; on a slow page that backlog would eat the next measurement. One more request waits behind it."""
    fetch(url, timeout=180)


def wrk(url: str, args, duration: int, connections: int | None = None) -> WrkResult:
    connections = connections or args.connections
    threads = min(args.wrk_threads, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency", url]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60)
    return parse_wrk(done.stdout)


def check_load(result: WrkResult, label: str) -> None:
    if result.non_2xx_3xx:
        raise RuntimeError(f"{label}: wrk saw {result.non_2xx_3xx} non-2xx/3xx responses:\n{result.output}")
    if result.requests == 0:
        raise RuntimeError(f"{label}: wrk completed no requests:\n{result.output}")


def load(url: str, args, label: str, duration: int | None = None) -> WrkResult:
    # Warm both workers with 2 connections (a short backlog to drain); a slow page may complete nothing here.
    warmup = wrk(url, args, args.warmup, connections=2)
    if warmup.non_2xx_3xx:
        check_load(warmup, f"{label} (warm-up)")
    drain(url)
    result = wrk(url, args, duration or args.duration)
    drain(url)
    check_load(result, label)
    return result


# --- databases -------------------------------------------------------------------------------------------------


def prepare_demo(env: dict, log: Path) -> None:
    flask = str(BIN / "flask")
    for step in (["db", "upgrade"], ["demo"]):
        done = subprocess.run([flask, "--app", "app", *step], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=180)
        with log.open("a") as out:
            out.write(done.stdout + done.stderr)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(step)} failed:\n{done.stdout}{done.stderr}")


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy, WAL included (sqlite3's online backup)."""
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def org_statuses(path: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT name, status FROM organisations"))


def category_id(path: Path, code: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT id FROM service_categories WHERE code = ?", (code,)).fetchone()[0]


# --- checks ----------------------------------------------------------------------------------------------------


def check_page(page: Page, path: str, body: str, statuses: dict[str, str], hidden: list[str],
               expect_total: int | None = None) -> int:
    """The page lists organisations, all public and matching the query, and no unpublished name anywhere."""
    from orgs.validation import name_initials

    names = [html.unescape(n).strip() for n in NAME_RE.findall(body)]
    if not names:
        raise RuntimeError(f"{path}: no organisation names on the page")
    not_public = [n for n in names if statuses.get(n) not in PUBLIC]
    if not_public:
        raise RuntimeError(f"{path}: lists organisations that are not public: {not_public[:5]}")
    leaked = [n for n in hidden if n in body]
    if leaked:
        raise RuntimeError(f"{path}: the page shows unpublished (draft/submitted/…) names: {leaked[:5]}")
    if page.must_contain and (bad := [n for n in names if page.must_contain not in n]):
        raise RuntimeError(f"{path}: names without {page.must_contain!r}: {bad[:5]}")
    if page.initials and (bad := [n for n in names if page.initials not in name_initials(n)]):
        raise RuntimeError(f"{path}: names whose initials lack {page.initials!r}: {bad[:5]}")
    if expect_total is not None:
        shown = COUNT_RE.search(body)
        if not shown or int(shown.group(1)) != expect_total:
            raise RuntimeError(f"{path}: result count {shown and shown.group(1)} != {expect_total} public orgs")
    return len(names)


def count_queries(db_path: Path, paths: list[str], repeat: int = 5) -> list[tuple[int, int, float]]:
    """(SQL statements, organisations listed, best of `repeat` ms) per path, in-process: test client and a
    before_cursor_execute listener. The timing is one request alone, so it says little about contention."""
    from sqlalchemy import event

    from app import create_app
    from core.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench"})
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def on_execute(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        client = app.test_client()
        counts = []
        for path in paths:
            client.get(path)  # warm caches (first-request work is not per-page cost)
            statements.clear()
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"in-process GET {path} on {db_path.name}: {response.status_code}")
            issued, listed = len(statements), len(NAME_RE.findall(response.get_data(as_text=True)))
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                client.get(path)
                best = min(best, time.perf_counter() - t0)
            counts.append((issued, listed, best * 1000))
        return counts
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        with app.app_context():
            db.engine.dispose()


# --- main ------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per page (after a warm-up)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up load per page (2 connections)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=1, help="threads per gunicorn worker (1: sync)")
    parser.add_argument("--orgs", type=int, default=100_000, help="organisations to bulk-insert")
    parser.add_argument("--no-small-load", action="store_true",
                        help="skip loading the same pages on the demo database (a reference column)")
    parser.add_argument("--small-duration", type=int, default=4, help="seconds of load per page on the demo db")
    parser.add_argument("--keep", metavar="DIR", help="copy the databases here at the end (for EXPLAIN etc.)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed. Install it with:  sudo apt-get install -y wrk", file=sys.stderr)
        return 2
    if not (BENCH / "bare_app.py").exists():
        print("bench/bare_app.py (the floor app) is missing", file=sys.stderr)
        return 2
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-dir-") as tmp:
        tmp_dir = Path(tmp)
        log = tmp_dir / "server.log"
        small_db, big_db = tmp_dir / "small.db", tmp_dir / "directory.db"
        base_env = {**os.environ, "SECRET_KEY": "bench", "GONGZHI_INSTANCE": str(tmp_dir / "instance"),
                    "REDIS_URL": "", "FLASK_DEBUG": "0"}
        os.environ.update(GONGZHI_INSTANCE=base_env["GONGZHI_INSTANCE"], REDIS_URL="")  # the in-process app
        small_env = {**base_env, "DATABASE_URL": f"sqlite:///{small_db}"}
        big_env = {**base_env, "DATABASE_URL": f"sqlite:///{big_db}"}
        try:
            t0 = time.monotonic()
            prepare_demo(small_env, log)
            copy_database(small_db, big_db)
            print(f"demo database ready in {time.monotonic() - t0:.1f} s", flush=True)

            from _directory_seed import seed

            summary = seed(big_db, args.orgs)
            print(f"inserted {summary.inserted} organisations in {summary.seconds:.1f} s: "
                  f"{summary.public} public, {summary.graded} graded; statuses {summary.statuses}", flush=True)

            statuses = org_statuses(big_db)
            small_statuses = org_statuses(small_db)
            hidden = [n for n, s in statuses.items() if s not in PUBLIC]
            small_hidden = [n for n, s in small_statuses.items() if s not in PUBLIC]
            public_total = len(statuses) - len(hidden)
            small_pages = max(1, -(-(len(small_statuses) - len(small_hidden)) // PER_PAGE))
            deep = min(DEEP_PAGE, -(-public_total // PER_PAGE))
            elderly = category_id(big_db, "elderly")
            xingfu = urllib.parse.quote("幸福")
            pages = [
                Page("first page", "/orgs/", "/orgs/"),
                Page("deep page", f"/orgs/?page={deep}", f"/orgs/?page={small_pages}"),
                Page("filtered", f"/orgs/?kind=agency&category={elderly}&grade=4",
                     f"/orgs/?kind=agency&category={elderly}&grade=4"),
                Page("search initials", "/orgs/?q=xfj", "/orgs/?q=xfj", initials="xfj"),
                Page("search Chinese", f"/orgs/?q={xingfu}", f"/orgs/?q={xingfu}", must_contain="幸福"),
            ]

            # 1. SQL statements per page: demo vs 100k database, in-process.
            big_counts = count_queries(big_db, [p.path for p in pages])
            small_counts = count_queries(small_db, [p.small_path for p in pages])

            # 2. Load: the app on the large database, then the floor on the same file.
            app_results: dict[str, WrkResult] = {}
            small_results: dict[str, WrkResult] = {}
            with gunicorn("app:create_app()", big_env, log, args.gunicorn_threads, probe="/orgs/") as base:
                for page in pages:
                    status, body = fetch(base + page.path)
                    if status != 200:
                        raise RuntimeError(f"GET {page.path}: {status}")
                    check_page(page, page.path, body, statuses, hidden,
                               expect_total=public_total if page.path == "/orgs/" else None)
                    print(f"  loading {page.path} ...", flush=True)
                    app_results[page.label] = load(base + page.path, args, page.label)
            if not args.no_small_load:
                with gunicorn("app:create_app()", small_env, log, args.gunicorn_threads, probe="/orgs/") as base:
                    for page in pages:
                        status, body = fetch(base + page.small_path)
                        if status != 200:
                            raise RuntimeError(f"GET {page.small_path} (demo db): {status}")
                        check_page(page, page.small_path, body, small_statuses, small_hidden)
                        print(f"  loading {page.small_path} on the demo database ...", flush=True)
                        small_results[page.label] = load(base + page.small_path, args, f"{page.label} (demo)",
                                                        args.small_duration)
            with gunicorn("bare_app:app", big_env, log, args.gunicorn_threads, chdir=BENCH) as base:
                print("  loading the floor (bench/bare_app.py) ...", flush=True)
                floor = load(base + "/", args, "floor")
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                for db_file in (small_db, big_db):
                    copy_database(db_file, Path(args.keep) / db_file.name)
        except Exception:
            if log.exists():
                print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise

    print()
    print(f"GET /orgs/ with {len(statuses)} organisations ({public_total} public); wrk -t{args.wrk_threads} "
          f"-c{args.connections} -d{args.duration}s; gunicorn 2 workers x {args.gunicorn_threads} thread(s)")
    header = f"{'page':<16} {'path':<42} {'req/s':>8} {'p99 ms':>8} {'ratio':>6}  target ≥ {TARGET_RATIO}"
    if small_results:
        header += f"   {'demo db req/s':>13} {'ratio':>6}"
    print(header)
    failed = 0
    for page in pages:
        result = app_results[page.label]
        ratio = result.requests_per_s / floor.requests_per_s
        failed += ratio < TARGET_RATIO
        line = (f"{page.label:<16} {urllib.parse.unquote(page.path):<42} {result.requests_per_s:>8.1f} "
                f"{result.p99_ms:>8.1f} {ratio:>6.2f}  {'PASS' if ratio >= TARGET_RATIO else 'FAIL'}")
        if page.label in small_results:
            small = small_results[page.label].requests_per_s
            line += f"          {small:>13.1f} {small / floor.requests_per_s:>6.2f}"
        print(line)
    print(f"{'floor':<16} {'bare_app.py: Flask + 1 query, same db':<42} {floor.requests_per_s:>8.1f} "
          f"{floor.p99_ms:>8.1f}")
    for label, result in [*app_results.items(), *((f"{k} (demo)", v) for k, v in small_results.items()),
                          ("floor", floor)]:
        if result.socket_errors:
            print(f"note: {label}: socket errors: {result.socket_errors}")

    print()
    print("SQL statements per request (BEGIN included) and one request's time (best of 5), in-process test client:")
    print(f"{'page':<16} {'demo db':>8} {f'{len(statuses)} orgs':>12}  {'listed':>9}  {'':<8}  "
          f"{'ms demo db':>10} {'ms large':>9}")
    mismatches = 0
    for page, small, big in zip(pages, small_counts, big_counts, strict=True):
        mismatches += small[0] != big[0]
        print(f"{page.label:<16} {small[0]:>8} {big[0]:>12}  {small[1]:>3} / {big[1]:<3}  "
              f"{'OK' if small[0] == big[0] else 'MISMATCH':<8}  {small[2]:>10.1f} {big[2]:>9.1f}")
    print(f"\n{len(pages) - failed}/{len(pages)} pages at ≥ {TARGET_RATIO} of the floor; "
          f"queries per page {'constant' if not mismatches else 'NOT constant'}; "
          f"total {time.monotonic() - started:.0f} s")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
