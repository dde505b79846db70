"""Benchmark: the review results of a call with 60 proposals and a 7-member panel, fully scored.

Builds a scratch SQLite database with the migrations and `flask demo`, then seeds through the real services
(bench/_review_seed.py): 60 organisations in good standing, 7 evaluators in the expert pool, and two calls (60 and
10 proposals; closed, every proposal screened eligible, under review) whose 7-member panel has declared no conflict
and submitted a full, varied score sheet for every proposal. Then:

1. times `evaluation.services.results(panel)` in-process for the 60-proposal call (median over 20 runs, each in a
   fresh session as a request would have it), and counts its queries for 10 and for 60 proposals;
2. counts the SQL queries of GET /evaluation/calls/<id>/results as the demo `officer` (Flask test client) for 10
   and for 60 proposals: the count must not grow with the number of proposals (OK / MISMATCH). When it does, the
   statements and the ORM relationship loads that grew are listed: that is the N+1;
3. serves the app with gunicorn (2 workers) on 127.0.0.1, logs in as `officer` and loads the 60-proposal results
   page with wrk; the floor, bench/bare_app.py (bare Flask, one query on the same database), is served and loaded
   the same way in the same run, alternating with the app.

    .venv/bin/python bench/review.py [--proposals 60] [--small 10] [--members 7] [--runs 20] [--duration 8]
                                     [--rounds 1] [--connections 16] [--wrk-threads 2] [--gunicorn-threads 1]
"""

import argparse
import contextlib
import http.cookiejar
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from _common import CsrfFinder, WrkResult, free_port, parse_wrk, serving  # noqa: E402  (bench/ is on sys.path when run as a script)
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
USERNAME, PASSWORD = "officer", "gongzhi-demo"
ORG_NAME = "康乐社会工作服务中心"  # every seeded organisation's name starts so (bench/_review_seed.py)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}

# The app's packages first, so that bench scripts named like a package (bench/projects.py) never shadow it.
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))
sys.path.insert(0, str(ROOT))


# --- counting queries --------------------------------------------------------------------------

def _normalise(statement: str) -> str:
    statement = re.sub(r"\s+", " ", statement).strip()
    return re.sub(r"\?(?:, \?)+", "?, …", statement)  # expanded IN lists: one shape whatever their length


@dataclass
class Capture:
    statements: Counter = field(default_factory=Counter)  # normalised SQL -> executions
    loads: Counter = field(default_factory=Counter)  # "Class.relationship (lazy|selectin)" -> ORM loads

    @property
    def total(self) -> int:
        return sum(self.statements.values())


class QueryLog:
    """Every cursor execution on the engine, and every ORM relationship load (lazy or selectin) by its path."""

    def __init__(self, engine):
        self.current: Capture | None = None
        sa.event.listen(engine, "before_cursor_execute", self._cursor)
        sa.event.listen(Session, "do_orm_execute", self._orm)

    def _cursor(self, _conn, _cursor, statement, _params, _context, _executemany):
        if self.current is not None:
            self.current.statements[_normalise(statement)] += 1

    def _orm(self, state):
        if self.current is None or not state.is_relationship_load:
            return
        path = state.loader_strategy_path
        prop = path.path[-1] if path is not None and path.path else None
        name = f"{prop.parent.class_.__name__}.{prop.key}" if hasattr(prop, "parent") else str(path)
        self.current.loads[f"{name} ({'lazy' if state.lazy_loaded_from is not None else 'selectin'})"] += 1

    @contextlib.contextmanager
    def capture(self):
        self.current = Capture()
        try:
            yield self.current
        finally:
            self.current = None


def growth(small: Capture, large: Capture) -> list[str]:
    """What ran more often for more proposals: ORM relationship loads first, then the SQL statements."""
    lines = [f"    {large.loads[k] - small.loads[k]:+4d}  ({small.loads[k]} -> {large.loads[k]})  ORM load {k}"
             for k in sorted(set(small.loads) | set(large.loads)) if large.loads[k] != small.loads[k]]
    for statement in sorted(set(small.statements) | set(large.statements),
                            key=lambda s: small.statements[s] - large.statements[s]):
        a, b = small.statements[statement], large.statements[statement]
        if a != b:
            lines.append(f"    {b - a:+4d}  ({a} -> {b})  SQL {statement[:220]}")
    return lines


# --- the in-process part -----------------------------------------------------------------------

def build(tmp_dir: Path, url: str, args):
    """The migrated, demo-loaded and seeded database; returns (app, {size: call id})."""
    os.environ["GONGZHI_INSTANCE"] = str(tmp_dir / "instance")
    from _review_seed import seed
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "WTF_CSRF_ENABLED": False, "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade()
    done = app.test_cli_runner().invoke(args=["demo"])
    if done.exit_code:
        raise RuntimeError(f"flask demo failed:\n{done.output}") from done.exception
    return app, seed(app, sizes=(args.proposals, args.small), members=args.members)


def time_results(app, log: QueryLog, call_id: int, runs: int) -> tuple[list[float], int, Capture]:
    """services.results(panel), each run in a fresh session (as a request has); ms per run, results, queries."""
    from core.db import db
    from evaluation import services
    from evaluation.models import Panel

    times, count, capture = [], 0, Capture()
    with app.app_context():
        for run in range(runs + 1):
            db.session.remove()
            panel = db.session.scalar(sa.select(Panel).where(Panel.call_id == call_id))
            with log.capture() as captured:
                start = time.perf_counter()
                ranked = services.results(panel)
                elapsed = (time.perf_counter() - start) * 1000
            if run == 0:  # the first run warms the process (imports, compiled statements); not timed
                count, capture = len(ranked), captured
            else:
                times.append(elapsed)
        db.session.remove()
    return times, count, capture


def page_queries(app, log: QueryLog, call_id: int, expected_rows: int) -> Capture:
    """The queries of one GET of the results page as `officer` (after a warm-up GET of the same page)."""
    client = app.test_client()
    response = client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"test-client login as {USERNAME} failed ({response.status_code})")
    path = f"/evaluation/calls/{call_id}/results"
    client.get(path)
    with log.capture() as captured:
        response = client.get(path)
    body = response.get_data(as_text=True)
    rows = body.count(f"<td>{ORG_NAME}")
    if response.status_code != 200 or rows != expected_rows:
        raise RuntimeError(f"GET {path}: status {response.status_code}, {rows} ranked rows (expected "
                           f"{expected_rows})")
    return captured


# --- the served part (as bench/pages.py) -------------------------------------------------------



@contextlib.contextmanager
def gunicorn(target: str, env: dict, log: Path, threads: int, chdir: Path = ROOT):
    """Serve a WSGI app with gunicorn (2 workers) on a free local port; always stop it afterwards."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", "2", "--threads", str(threads),
               "--chdir", str(chdir), "--log-level", "warning", target]
    url = f"http://{HOST}:{port}/"
    with serving(command, ROOT, env, log, url):
        yield url


def log_in(base_url: str) -> str:
    """Log in through the real form (GET for the CSRF token, then POST); return the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base_url + "login", timeout=10) as response:
        finder = CsrfFinder()
        finder.feed(response.read().decode())
    if not finder.token:
        raise RuntimeError("no csrf_token input on the login page")
    form = urllib.parse.urlencode({"csrf_token": finder.token, "username": USERNAME, "password": PASSWORD}).encode()
    with opener.open(base_url + "login", data=form, timeout=10) as response:
        response.read()
    session = next((cookie.value for cookie in jar if cookie.name == "session"), "")
    if not session:
        raise RuntimeError("login gave no session cookie")
    return "session=" + session


def fetch(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, response.read().decode()


def wrk(url: str, args, cookie: str = "", duration: int | None = None, label: str = "",
        warm_up: bool = False) -> WrkResult:
    command = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{duration or args.duration}s",
               f"--timeout={args.wrk_timeout}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if warm_up:  # a slow page may complete nothing in a short warm-up: that is not an error
        return WrkResult(0, 0, 0, 0, "", output)
    result = parse_wrk(output)
    if result.non_2xx_3xx or result.requests == 0:
        raise RuntimeError(f"{label}: {result.non_2xx_3xx} non-2xx/3xx of {result.requests} requests:\n"
                           f"{result.output}")
    return result


def serve_and_load(env: dict, log: Path, path: str, rows: int, args) -> tuple[list[WrkResult], list[WrkResult]]:
    app_results, bare_results = [], []
    with (gunicorn("app:create_app()", env, log, args.gunicorn_threads) as app_url,
          gunicorn("bare_app:app", env, log, args.gunicorn_threads, chdir=BENCH) as bare_url):
        cookie = log_in(app_url)
        page = app_url + path.lstrip("/")
        status, body = fetch(page, cookie)
        if status != 200 or body.count(f"<td>{ORG_NAME}") != rows:
            raise RuntimeError(f"GET {path} with {USERNAME}'s session: status {status}, not the {rows}-row ranking")
        for _ in range(4):  # warm both workers (a wrk warm-up would leave a backlog of slow requests queued)
            fetch(page, cookie)
        wrk(bare_url, args, duration=2, warm_up=True)
        for _ in range(args.rounds):
            bare_results.append(wrk(bare_url, args, label="bare"))
            app_results.append(wrk(page, args, cookie, label="app"))
            # wrk stops with up to `connections` requests still queued at the app: this fetch waits behind them, so
            # the next run starts on an idle machine; it also checks that the session still works
            if fetch(page, cookie)[1].count(f"<td>{ORG_NAME}") != rows:
                raise RuntimeError("the session stopped working during the run")
    return app_results, bare_results


# --- main --------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=60)
    parser.add_argument("--small", type=int, default=10, help="proposals of the second call (constant queries)")
    parser.add_argument("--members", type=int, default=7, help="panel size (odd)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of services.results")
    parser.add_argument("--duration", type=int, default=8, help="seconds of each wrk run (after a 3 s warm-up)")
    parser.add_argument("--rounds", type=int, default=1, help="alternating app/bare wrk runs")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--wrk-timeout", type=int, default=30, help="seconds before wrk counts a request as timed out")
    parser.add_argument("--gunicorn-threads", type=int, default=1, help="threads per gunicorn worker (1: sync)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed. Install it with:  sudo apt-get install -y wrk", file=sys.stderr)
        return 2

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gongzhi-review-") as tmp:
        tmp_dir = Path(tmp)
        url = f"sqlite:///{tmp_dir / 'review.db'}"
        log = tmp_dir / "server.log"
        app, call_ids = build(tmp_dir, url, args)
        seeded_s = time.monotonic() - started

        from core.db import db

        with app.app_context():
            engine = db.engine
        query_log = QueryLog(engine)
        times, ranked, service_large = time_results(app, query_log, call_ids[args.proposals], args.runs)
        _times, _ranked, service_small = time_results(app, query_log, call_ids[args.small], 1)
        page_small = page_queries(app, query_log, call_ids[args.small], args.small)
        page_large = page_queries(app, query_log, call_ids[args.proposals], args.proposals)
        engine.dispose()
        page_ok = report_in_process(args, seeded_s, times, ranked, (service_small, service_large),
                                    (page_small, page_large))

        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "GONGZHI_INSTANCE": str(tmp_dir / "instance"),
               "REDIS_URL": "", "FLASK_DEBUG": "0", "GONGZHI_TESTING": "0"}
        path = f"/evaluation/calls/{call_ids[args.proposals]}/results"
        try:
            app_results, bare_results = serve_and_load(env, log, path, args.proposals, args)
        except Exception:
            if log.exists():
                print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise

    app_rps = statistics.mean(r.requests_per_s for r in app_results)
    bare_rps = statistics.mean(r.requests_per_s for r in bare_results)
    app_p99, bare_p99 = max(r.p99_ms for r in app_results), max(r.p99_ms for r in bare_results)
    print(f"app   GET {path} ({args.proposals} proposals, as {USERNAME}): {app_rps:9.1f} req/s, "
          f"p99 {app_p99:8.1f} ms  ({sum(r.requests for r in app_results)} requests, all 2xx/3xx)")
    print(f"floor bare Flask + 1 query (bench/bare_app.py):{' ' * (len(path) - 6)}{bare_rps:9.1f} req/s, "
          f"p99 {bare_p99:8.1f} ms  ({sum(r.requests for r in bare_results)} requests, all 2xx/3xx)")
    print(f"ratio app/bare: {app_rps / bare_rps:.4f} (the floor serves {bare_rps / app_rps:.0f}x as many)   load: "
          f"{args.rounds} round(s) of wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s "
          f"--timeout {args.wrk_timeout}s; gunicorn 2 workers x {args.gunicorn_threads} thread(s)")
    for label, results in (("app", app_results), ("bare", bare_results)):
        for result in results:
            if result.socket_errors:
                print(f"note: {label} socket errors: {result.socket_errors}")
    print(f"total {time.monotonic() - started:.0f} s")
    return 0 if page_ok else 1


def report_in_process(args, seeded_s: float, times: list[float], ranked: int, service: tuple[Capture, Capture],
                      page: tuple[Capture, Capture]) -> bool:
    """Print the seed, the aggregation timing and the query counts; True when the page's count is constant."""
    n, k = args.proposals, args.members
    print(f"seed: calls of {n} and {args.small} proposals, {k}-member panels, {(n + args.small) * k} submitted "
          f"sheets, through the real services in {seeded_s:.0f} s")
    print(f"aggregation  services.results(panel), {n} proposals x {k} members ({ranked} ranked): median "
          f"{statistics.median(times):.1f} ms over {len(times)} runs (min {min(times):.1f}, max {max(times):.1f}; "
          f"a fresh session each run, as in a request)")
    for label, (small, large) in ((f"queries  services.results(panel): {' ' * 24}", service),
                                  (f"queries  GET /evaluation/calls/<id>/results as {USERNAME}:", page)):
        same = small.total == large.total
        print(f"{label} {args.small} proposals -> {small.total:4d}, {n} -> {large.total:4d}  "
              f"{'OK' if same else 'MISMATCH'}")
        if not same:
            print("  grew with the number of proposals (N+1):")
            print("\n".join(growth(small, large)))
    sys.stdout.flush()
    return page[0].total == page[1].total


if __name__ == "__main__":
    sys.exit(main())
