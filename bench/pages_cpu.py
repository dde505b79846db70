"""Benchmark: where a logged-in page's time goes, as worker CPU per request under gunicorn.

Serves the app (with one probe route, bench/_pages_probe_app.py) and the floor of bench/pages.py (bench/bare_app.py)
with gunicorn as bench/pages.py does, logs in as `officer`, and sends requests one at a time, in alternating rounds,
to: the floor; the app's /healthz (no query, no template: the app's hooks and the session cookie); the probe that
only loads the session user; and the logged-in home page. For each it prints the gunicorn workers' CPU time per
request (user + system, from /proc), which noise from other processes barely moves, unlike wall time.

    .venv/bin/python bench/pages_cpu.py [--requests 200] [--rounds 6]
"""

import argparse
import http.client
import os
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import pages  # noqa: E402
from _common import workers_cpu  # noqa: E402


def cpu_per_request(base_url: str, master_pid: int, path: str, requests: int, cookie: str = "") -> float:
    """Milliseconds of worker CPU per request over `requests` sequential GETs of path."""
    address = urllib.parse.urlsplit(base_url)
    headers = {"User-Agent": pages.USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    before = workers_cpu(master_pid)
    for _ in range(requests):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status}")
    return (workers_cpu(master_pid) - before) / requests * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per path and round")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
        tmp_dir = Path(tmp)
        log = tmp_dir / "server.log"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_dir / 'pages.db'}", "SECRET_KEY": "bench",
               "GONGZHI_INSTANCE": str(tmp_dir / "instance"), "REDIS_URL": "", "FLASK_DEBUG": "0"}
        pages.prepare_database(env, log)
        # (The probe module is imported as bench._pages_probe_app from the project root, as the app is served:
        # with bench/ first on the path, bench/projects.py would stand in for the projects package.)
        with (pages.gunicorn("bench._pages_probe_app:app", env, log, 1) as (app_url, app_pid),
              pages.gunicorn("bare_app:app", env, log, 1, chdir=BENCH) as (bare_url, bare_pid)):
            masters = {app_url: app_pid, bare_url: bare_pid}
            cookie = "session=" + pages.log_in(app_url)
            probes = [("floor: bare Flask + 1 query", bare_url, "/", ""),
                      ("app /healthz (hooks, session cookie)", app_url, "/healthz", cookie),
                      ("app, session user only", app_url, "/_bench/user", cookie),
                      ("app GET / logged in", app_url, "/", cookie)]
            for _label, url, path, with_cookie in probes:  # warm-up
                cpu_per_request(url, masters[url], path, 50, with_cookie)
            for _ in range(args.rounds):
                for label, url, path, with_cookie in probes:
                    results.setdefault(label, []).append(
                        cpu_per_request(url, masters[url], path, args.requests, with_cookie))
    floor = sorted(results[probes[0][0]])[args.rounds // 2]
    print(f"worker CPU per request (median of {args.rounds} rounds of {args.requests} sequential requests):")
    for label, values in results.items():
        median = sorted(values)[args.rounds // 2]
        print(f"  {label:40s} {median:6.2f} ms   {median / floor:5.2f} x the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
