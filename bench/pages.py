"""Benchmark: the logged-in home page under load, served by gunicorn and driven by wrk.

Prepares a scratch SQLite database (migrations + demo data), serves the app with gunicorn on 127.0.0.1, logs in as
`officer`, and loads "/" with wrk. The floor is bench/bare_app.py (one query on the same database) served and
loaded the same way in the same run; the two are loaded in alternating rounds so that both see the same noise.

    .venv/bin/python bench/pages.py [--duration 10] [--rounds 2] [--connections 16] [--gunicorn-threads 1]
"""

import argparse
import contextlib
import http.cookiejar
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from _common import CsrfFinder, WrkResult, free_port, parse_wrk, serving  # noqa: E402  (bench/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
USERNAME, PASSWORD, DISPLAY_NAME = "officer", "gongzhi-demo", "王芳"
TARGET_RATIO = 0.5
# One browser: the same User-Agent for the login and for wrk. Flask-Login's session protection ties a session to
# the address and agent it logged in from, and marks the session not fresh (a new cookie on every response) when
# they differ, which no real browser would cause.
USER_AGENT = "Mozilla/5.0 (gongzhi bench)"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@contextlib.contextmanager
def gunicorn(target: str, env: dict, log: Path, threads: int, chdir: Path = ROOT):
    """Serve a WSGI app with gunicorn (2 workers) on a free local port: yields (its URL, the master's pid); always
    stops it afterwards."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", "2", "--threads", str(threads),
               "--chdir", str(chdir), "--log-level", "warning", target]
    url = f"http://{HOST}:{port}/"
    with serving(command, ROOT, env, log, url) as process:
        yield url, process.pid


def log_in(base_url: str) -> str:
    """Log in through the real form (GET for the CSRF token, then POST); return the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
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
    return session


def fetch(url: str, cookie: str) -> tuple[int, str, bool]:
    """GET url as the logged-in browser: (status, body, whether the answer set a cookie)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode(), "Set-Cookie" in response.headers


def wrk(url: str, args, cookie: str = "", duration: int | None = None) -> WrkResult:
    command = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{duration or args.duration}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def prepare_database(env: dict, log: Path) -> None:
    flask = str(BIN / "flask")
    for step in (["db", "upgrade"], ["demo"]):
        done = subprocess.run([flask, "--app", "app", *step], cwd=ROOT, env=env, capture_output=True, text=True)
        log.open("a").write(done.stdout + done.stderr)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(step)} failed:\n{done.stdout}{done.stderr}")


def check(result: WrkResult, label: str) -> WrkResult:
    if result.non_2xx_3xx:
        raise RuntimeError(f"{label}: wrk saw {result.non_2xx_3xx} non-2xx/3xx responses:\n{result.output}")
    if result.requests == 0:
        raise RuntimeError(f"{label}: wrk completed no requests:\n{result.output}")
    return result


def summary(results: list[WrkResult]) -> tuple[float, float, int]:
    """Mean req/s over the rounds, the worst round's p99, and the total number of requests."""
    return (sum(r.requests_per_s for r in results) / len(results), max(r.p99_ms for r in results),
            sum(r.requests for r in results))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (after a warm-up)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating app/bare runs, so both share any noise")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=1, help="threads per gunicorn worker (1: sync)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed. Install it with:  sudo apt-get install -y wrk", file=sys.stderr)
        return 2

    app_results: list[WrkResult] = []
    bare_results: list[WrkResult] = []
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
        tmp_dir = Path(tmp)
        log = tmp_dir / "server.log"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_dir / 'pages.db'}", "SECRET_KEY": "bench",
               "GONGZHI_INSTANCE": str(tmp_dir / "instance"), "REDIS_URL": "", "FLASK_DEBUG": "0"}
        try:
            prepare_database(env, log)
            with (gunicorn("app:create_app()", env, log, args.gunicorn_threads) as (app_url, _pid),
                  gunicorn("bare_app:app", env, log, args.gunicorn_threads, chdir=BENCH) as (bare_url, _pid)):
                cookie = "session=" + log_in(app_url)
                status, body, sets_cookie = fetch(app_url, cookie)
                if status != 200 or DISPLAY_NAME not in body:
                    raise RuntimeError(f"GET / with the session cookie is not {USERNAME}'s page (status {status})")
                if sets_cookie:
                    raise RuntimeError("GET / sets a new session cookie on every request: the session is not steady")
                check(wrk(app_url, args, cookie, duration=2), "app warm-up")
                check(wrk(bare_url, args, duration=2), "bare warm-up")
                for _ in range(args.rounds):
                    app_results.append(check(wrk(app_url, args, cookie), "app"))
                    bare_results.append(check(wrk(bare_url, args), "bare"))
                if DISPLAY_NAME not in fetch(app_url, cookie)[1]:
                    raise RuntimeError("the session stopped working during the run")
        except Exception:
            if log.exists():
                print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise

    app_rps, app_p99, app_n = summary(app_results)
    bare_rps, bare_p99, bare_n = summary(bare_results)
    ratio = app_rps / bare_rps
    load = (f"{args.rounds} alternating rounds of wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s; "
            f"gunicorn 2 workers x {args.gunicorn_threads} thread(s)")
    rounds = ", ".join(f"{a.requests_per_s / b.requests_per_s:.2f}" for a, b in zip(app_results, bare_results,
                                                                                     strict=True))
    print(f"app   GET / (logged in as {USERNAME}): {app_rps:>8.1f} req/s, p99 {app_p99:7.1f} ms  "
          f"({app_n} requests, all 2xx/3xx)")
    print(f"floor bare Flask + 1 query:         {bare_rps:>8.1f} req/s, p99 {bare_p99:7.1f} ms  "
          f"({bare_n} requests, all 2xx/3xx)")
    print(f"ratio app/bare: {ratio:.2f} (per round: {rounds})   target ≥ {TARGET_RATIO} -> "
          f"{'PASS' if ratio >= TARGET_RATIO else 'FAIL'}")
    print(f"load: {load}; req/s is the mean over rounds, p99 the worst round")
    for label, results in (("app", app_results), ("bare", bare_results)):
        for result in results:
            if result.socket_errors:
                print(f"note: {label} socket errors: {result.socket_errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
