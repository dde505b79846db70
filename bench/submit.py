"""Benchmark: 200 organisations submitting proposals to one call at once, in the last minute before its deadline.

Creates a scratch PostgreSQL database (127.0.0.1:5432, user postgres), builds it with the migrations and
`flask demo`, then seeds through the real services (bench/_submit_seed.py): organisations in good standing, each
with a manager holding an API token, one published call whose deadline is about a minute away, and a complete draft
per organisation. Serves the app with gunicorn (2 workers) on 127.0.0.1 and, in the last minute before the deadline,
fires the 200 `POST /api/v1/proposals/<id>/submit` at once (a pool of 32 threads). Around the deadline it also
fires a few submits straddling it (each either accepted before the deadline or refused) while a client polls the
call (which closes it when due), and just after it the late submits of drafts kept back for that and late
withdrawals, all of which must be refused with 409.

Then checks in SQL: none lost (every accepted submission is 'submitted' with one frozen version whose hash matches
its content), none accepted after the deadline (every submitted_at < deadline, the late ones still drafts, no
submission recorded in the audit trail after the call's closure), `flask audit verify` OK, no 500 in the server
log. The floor is bench/bare_app.py (bare Flask, one query) on the same database, served and loaded the same way
(200 requests, 32 threads) in the same run. The database is dropped at the end, even on error.

    .venv/bin/python bench/submit.py [--orgs 200] [--late 20] [--late-withdrawals 10] [--edge 12] [--threads 32]
                                     [--deadline-in 60] [--burst-before 25] [--gunicorn-threads 4]
"""

import argparse
import contextlib
import hashlib
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from _common import free_port, serving  # noqa: E402  (bench/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"

# The app's packages first, so that bench scripts named like a package (bench/projects.py) never shadow it.
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))
sys.path.insert(0, str(ROOT))


class BenchTimeout(Exception):
    pass


@dataclass
class Hit:
    label: str
    key: int
    status: int
    ms: float
    sent: float  # time.time() when the request went out
    body: dict = field(default_factory=dict)


@dataclass
class Load:
    hits: list[Hit]
    wall_s: float

    @property
    def rate(self) -> float:
        return len(self.hits) / self.wall_s

    def percentile(self, q: float) -> float:
        times = sorted(h.ms for h in self.hits)
        return times[max(0, math.ceil(q * len(times)) - 1)]

    def statuses(self) -> Counter:
        return Counter(h.status for h in self.hits)


@contextlib.contextmanager
def gunicorn(target: str, env: dict, log: Path, threads: int, probe: str, chdir: Path = ROOT):
    """Serve a WSGI app with gunicorn (2 workers) on a free local port; always stop it afterwards."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", "2", "--threads", str(threads),
               "--chdir", str(chdir), "--log-level", "warning", "--timeout", "60", target]
    base = f"http://{HOST}:{port}"
    with serving(command, ROOT, env, log, base + probe):
        yield base


def request(label: str, key: int, url: str, method: str = "GET", token: str = "", timeout: float = 60) -> Hit:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = b"" if method == "POST" else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    sent = time.time()
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        status, raw = 0, str(exc).encode()
    ms = (time.perf_counter() - started) * 1000
    try:
        body = json.loads(raw) if raw[:1] in (b"{", b"[") else {}
    except ValueError:
        body = {}
    return Hit(label, key, status, ms, sent, body if isinstance(body, dict) else {})


def run_load(jobs: list[tuple], threads: int) -> Load:
    """Fire every job (request's arguments) through a pool of `threads`; the wall time is first send to last
    answer."""
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        hits = list(pool.map(lambda job: request(*job), jobs))
    return Load(hits, time.perf_counter() - started)


def at(moment: float, job: tuple) -> Hit:
    time.sleep(max(0.0, moment - time.time()))
    return request(*job)


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def flask(env: dict, *args: str, log: Path) -> str:
    done = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    with log.open("a") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def demo_basics_present(db_url: str) -> bool:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(sa.text(
                "SELECT (SELECT count(*) FROM users WHERE username = 'officer') "
                "* (SELECT count(*) FROM service_categories WHERE code = 'elderly') "
                "* (SELECT count(*) FROM communities)")).scalar())
    finally:
        engine.dispose()


def poll_until_closed(url: str, until: float, seen: dict) -> None:
    """A visitor reloading the call from the deadline on: GET closes a call that is due (and commits that)."""
    while time.time() < until:
        hit = request("poll", 0, url, timeout=10)
        if hit.body.get("status") == "closed":
            seen["closed_seen_at"] = time.time()
            return
        time.sleep(0.02)


def verify(engine: sa.Engine, call_id: int, deadline, burst_ids: list[int], late_ids: list[int],
           withdraw_ids: list[int], edge: dict[int, int]) -> tuple[list[tuple[str, bool, str]], dict]:
    """The checks, from the database: (name, ok, detail) each, plus figures for the report."""
    checks: list[tuple[str, bool, str]] = []
    info: dict = {}
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, status, current_version, submitted_at FROM proposals WHERE call_id = :c"), {"c": call_id})}
        versions: dict[int, list] = {}
        for v in conn.execute(sa.text(
                "SELECT v.proposal_id, v.version, v.content, v.content_hash, v.submitted_at, v.withdrawn_at "
                "FROM proposal_versions v JOIN proposals p ON p.id = v.proposal_id WHERE p.call_id = :c"),
                {"c": call_id}):
            versions.setdefault(v.proposal_id, []).append(v)
        call = conn.execute(sa.text("SELECT status, closed_at, submission_deadline FROM calls WHERE id = :c"),
                            {"c": call_id}).one()
        events = conn.execute(sa.text(
            "SELECT seq, action, target_type, target_id, occurred_at FROM audit_events "
            "WHERE (target_type = 'proposals' AND action IN ('proposal.submitted', 'proposal.withdrawn')) "
            "OR (target_type = 'calls' AND target_id = :c) ORDER BY seq"), {"c": str(call_id)}).all()

    ids = set(rows)
    submitted = {i for i in ids if rows[i].status == "submitted"}
    edge_accepted = {pid for pid, status in edge.items() if status == 200}
    expected = set(burst_ids) | set(withdraw_ids) | edge_accepted

    def frozen_ok(pid: int) -> bool:
        vs = versions.get(pid, [])
        return (len(vs) == 1 and vs[0].version == 1 and vs[0].withdrawn_at is None
                and rows[pid].current_version == 1 and vs[0].submitted_at == rows[pid].submitted_at
                and hashlib.sha256(vs[0].content.encode()).hexdigest() == vs[0].content_hash)

    lost = [pid for pid in burst_ids if pid not in submitted or not frozen_ok(pid)]
    checks.append((f"all {len(burst_ids)} burst proposals 'submitted' with one frozen version (hash matches)",
                   not lost, f"lost or damaged: {lost[:10]}" if lost else ""))
    checks.append(("submitted proposals in the call = burst + accepted edge submits",
                   submitted == expected, f"{len(submitted)} submitted, expected {len(expected)}; "
                   f"unexpected {sorted(submitted - expected)[:10]}, missing {sorted(expected - submitted)[:10]}"))
    late_times = [pid for pid in submitted if rows[pid].submitted_at is None or rows[pid].submitted_at >= deadline]
    checks.append(("every submitted_at < deadline", not late_times, f"at or after it: {late_times[:10]}"))
    not_draft = [pid for pid in late_ids if rows[pid].status != "draft" or versions.get(pid)]
    checks.append((f"the {len(late_ids)} late submits left their proposals drafts, no version",
                   not not_draft, f"changed: {not_draft}"))
    undone = [pid for pid in withdraw_ids if rows[pid].status != "submitted" or not frozen_ok(pid)]
    checks.append((f"the {len(withdraw_ids)} late withdrawals left their proposals submitted",
                   not undone, f"changed: {undone}"))
    refused_edge = [pid for pid, status in edge.items() if status != 200]
    wrong_edge = [pid for pid in refused_edge if rows[pid].status != "draft" or versions.get(pid)]
    checks.append(("edge submits refused by the server left their proposals drafts", not wrong_edge,
                   f"changed: {wrong_edge}"))

    submit_events = [e for e in events if e.action == "proposal.submitted" and int(e.target_id) in ids]
    by_target = Counter(int(e.target_id) for e in submit_events)
    missing_events = [pid for pid in submitted if by_target[pid] != 1]
    checks.append(("one proposal.submitted audit event per submitted proposal",
                   not missing_events and len(submit_events) == len(submitted),
                   f"{len(submit_events)} events; off: {missing_events[:10]}"))
    closed = [e for e in events if e.action == "call.closed"]
    after_close = [e for e in submit_events if closed and e.seq > closed[0].seq]
    checks.append(("no submission committed after the call was closed (audit: proposal.submitted after call.closed)",
                   not after_close,
                   "; ".join(f"seq {e.seq} proposal {e.target_id} at {e.occurred_at.isoformat()} "
                             f"(call.closed seq {closed[0].seq} at {closed[0].occurred_at.isoformat()})"
                             for e in after_close[:5])))
    info.update(call_status=call.status, closed_at=call.closed_at, closed_events=len(closed),
                last_submit_event=max((e.occurred_at for e in submit_events), default=None),
                submit_events_after_deadline=sum(e.occurred_at >= deadline for e in submit_events),
                submitted=len(submitted))
    return checks, info


def print_load(label: str, load: Load) -> None:
    codes = ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(load.statuses().items()))
    print(f"{label}: {load.rate:8.1f} req/s, p50 {load.percentile(0.5):7.1f} ms, p99 {load.percentile(0.99):7.1f} ms,"
          f" max {load.percentile(1.0):7.1f} ms  ({len(load.hits)} requests in {load.wall_s:.2f} s; {codes})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=200, help="organisations submitting in the burst")
    parser.add_argument("--late", type=int, default=20, help="drafts submitted just after the deadline")
    parser.add_argument("--late-withdrawals", type=int, default=10, help="burst proposals withdrawn after it")
    parser.add_argument("--edge", type=int, default=12, help="submits straddling the deadline (-0.15 s … +0.05 s)")
    parser.add_argument("--threads", type=int, default=32, help="client threads")
    parser.add_argument("--gunicorn-threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--deadline-in", type=float, default=60, help="seconds from publication to the deadline")
    parser.add_argument("--burst-before", type=float, default=25, help="seconds before the deadline to fire")
    parser.add_argument("--time-limit", type=int, default=290, help="give up (and clean up) after this many s")
    args = parser.parse_args()
    if args.burst_before > 60:
        parser.error("--burst-before: the burst is in the last minute before the deadline")

    def on_alarm(_signum, _frame):
        raise BenchTimeout(f"the benchmark ran longer than {args.time_limit} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.time_limit)
    begun = time.monotonic()
    name = f"gz_bench_submit_{secrets.token_hex(4)}"
    db_url = SERVER_URL + name
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    tmp_dir = Path(tempfile.mkdtemp(prefix="gongzhi-bench-submit-"))
    log = tmp_dir / "server.log"
    engine = None
    created = False
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created = True
        env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "bench",
               "GONGZHI_INSTANCE": str(tmp_dir / "instance"), "REDIS_URL": "", "FLASK_DEBUG": "0"}
        flask(env, "db", "upgrade", log=log)
        try:
            flask(env, "demo", log=log)
        except RuntimeError as exc:
            # Each demo loader commits; what this benchmark needs (officer, categories, communities) comes first.
            if not demo_basics_present(db_url):
                raise
            last = str(exc).strip().splitlines()[-1]
            print(f"note: `flask demo` failed in a later loader ({last}); the officer, categories and "
                  "communities it committed first are there, so the benchmark goes on", flush=True)
        print(f"database {name}: migrated and demo loaded in {time.monotonic() - begun:.1f} s", flush=True)

        # Is the token API writable through the real factory? (An unknown token must get 401, not a CSRF 400.)
        with gunicorn("app:create_app()", env, log, 1, "/api/v1/calls") as probe_url:
            probe = request("probe", 0, f"{probe_url}/api/v1/proposals/1/submit", "POST", "gz_not-a-token")
        api_post_ok = probe.status == 401
        app_target, app_dir = "app:create_app()", ROOT
        if not api_post_ok:
            print(f"note: POST /api/v1/... with a Bearer token through `app:create_app()` answered {probe.status} "
                  f"{probe.body} (401 expected): the API is not exempt from CSRF. Serving _submit_seed:wsgi_app() "
                  "(imports the API modules before create_app) to measure anyway.", flush=True)
            app_target, app_dir = "_submit_seed:wsgi_app()", BENCH
            env["PYTHONPATH"] = str(ROOT)

        os.environ["GONGZHI_INSTANCE"] = env["GONGZHI_INSTANCE"]
        from _submit_seed import open_call, seed_orgs

        from app import create_app
        from core.db import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "TESTING": True, "SECRET_KEY": "bench"})
        count = args.orgs + args.late + args.edge
        started = time.monotonic()
        orgs = seed_orgs(app, count)
        print(f"seeded {count} organisations in good standing (manager + API token each) in "
              f"{time.monotonic() - started:.1f} s", flush=True)

        with (gunicorn(app_target, env, log, args.gunicorn_threads, "/api/v1/calls", chdir=app_dir) as app_url,
              gunicorn("bare_app:app", env, log, args.gunicorn_threads, "/", chdir=BENCH) as bare_url):
            started = time.monotonic()
            call_id, deadline, proposal_of = open_call(app, orgs, args.deadline_in)
            with app.app_context():
                db.engine.dispose()
            deadline_ts = deadline.timestamp()
            print(f"call {call_id} published, deadline {deadline.isoformat()} ; {count} complete drafts saved in "
                  f"{time.monotonic() - started:.1f} s; {deadline_ts - time.time():.1f} s to the deadline", flush=True)
            burst_orgs = orgs[:args.orgs]
            late_orgs = orgs[args.orgs:args.orgs + args.late]
            edge_orgs = orgs[args.orgs + args.late:]
            withdraw_orgs = burst_orgs[:args.late_withdrawals]

            # Warm both servers (workers import lazily, pools fill), then the floor while the call is quiet.
            tokens = [o.token for o in orgs]
            run_load([("warm", i, f"{app_url}/api/v1/proposals", "GET", tokens[i % len(tokens)])
                      for i in range(64)], args.threads)
            run_load([("warm", i, f"{bare_url}/") for i in range(64)], args.threads)
            floors = [run_load([("floor", i, f"{bare_url}/") for i in range(args.orgs)], args.threads)]

            burst_at = deadline_ts - args.burst_before
            if time.time() > deadline_ts - 10:
                raise RuntimeError("seeding left under 10 s before the deadline: raise --deadline-in")
            sleep_until(burst_at)
            fired = time.time()
            burst = run_load([("submit", o.org_id, f"{app_url}/api/v1/proposals/{proposal_of[o.org_id]}/submit",
                               "POST", o.token) for o in burst_orgs], args.threads)
            print(f"burst fired {deadline_ts - fired:.1f} s before the deadline, done "
                  f"{deadline_ts - time.time():.1f} s before it", flush=True)
            floors.append(run_load([("floor", i, f"{bare_url}/") for i in range(args.orgs)], args.threads))

            # Around the deadline: edge submits from -0.15 s to +0.05 s while a visitor reloads the call (which
            # closes it): a submit still in flight when the closure commits must not be let in after it.
            seen: dict = {}
            poller = threading.Thread(target=poll_until_closed, daemon=True,
                                      args=(f"{app_url}/api/v1/calls/{call_id}", deadline_ts + 3, seen))
            edge_jobs = [(deadline_ts - 0.15 + 0.2 * k / max(1, len(edge_orgs) - 1),
                          ("edge", o.org_id, f"{app_url}/api/v1/proposals/{proposal_of[o.org_id]}/submit", "POST",
                           o.token)) for k, o in enumerate(edge_orgs)]
            late_jobs = [("late submit", o.org_id, f"{app_url}/api/v1/proposals/{proposal_of[o.org_id]}/submit",
                          "POST", o.token) for o in late_orgs]
            late_jobs += [("late withdraw", o.org_id,
                           f"{app_url}/api/v1/proposals/{proposal_of[o.org_id]}/withdraw", "POST", o.token)
                          for o in withdraw_orgs]
            with ThreadPoolExecutor(max(1, len(edge_jobs))) as pool:
                edge_futures = [pool.submit(at, moment, job) for moment, job in edge_jobs]
                sleep_until(deadline_ts)
                poller.start()
                sleep_until(deadline_ts + 0.5)
                late = run_load(late_jobs, args.threads)
                edge_hits = [f.result() for f in edge_futures]
            poller.join(timeout=10)

        with open(log, errors="replace") as server_log:
            log_text = server_log.read()
        signal.alarm(max(1, args.time_limit - int(time.monotonic() - begun)))
        audit_out = flask(env, "audit", "verify", log=tmp_dir / "audit.log")

        engine = sa.create_engine(db_url)
        edge_status = {proposal_of[h.key]: h.status for h in edge_hits}
        checks, info = verify(engine, call_id, deadline, [proposal_of[o.org_id] for o in burst_orgs],
                              [proposal_of[o.org_id] for o in late_orgs],
                              [proposal_of[o.org_id] for o in withdraw_orgs], edge_status)
        bad_bodies = [h.key for h in burst.hits if h.status == 200 and h.body.get("status") != "submitted"]
        checks[:0] = [
            ("an API POST with a Bearer token gets through `app:create_app()` (unknown token -> 401, not CSRF 400)",
             api_post_ok, f"answered {probe.status} {probe.body}; the figures below are from _submit_seed:wsgi_app()"),
            (f"all {args.orgs} burst submits answered 200 'submitted'", burst.statuses() == {200: args.orgs}
             and not bad_bodies, f"{dict(burst.statuses())}; bodies not submitted: {bad_bodies[:5]}"),
            (f"all {len(late_jobs)} late submits/withdrawals answered 409", late.statuses() == {409: len(late_jobs)},
             f"{dict(late.statuses())}; " + "; ".join(f"{h.label} org {h.key}: {h.status} {h.body}"
                                                      for h in late.hits if h.status != 409)[:600]),
            ("edge submits answered 200 (sent before the deadline) or 409", all(
                (h.status == 200 and h.sent < deadline_ts) or h.status == 409 for h in edge_hits),
             "; ".join(f"org {h.key}: {h.status} sent {h.sent - deadline_ts:+.3f} s" for h in edge_hits
                       if not ((h.status == 200 and h.sent < deadline_ts) or h.status == 409))),
            ("`flask audit verify` OK", audit_out.startswith("OK"), audit_out),
            ("no 500, traceback or deadlock in the server log",
             not any(s in log_text for s in ("Traceback", "unhandled error", "deadlock", "WORKER TIMEOUT")),
             log_text[-1500:]),
        ]
        floor = Load([h for f in floors for h in f.hits], sum(f.wall_s for f in floors))
        if floor.statuses() != {200: len(floor.hits)}:
            checks.append(("the floor answered 200 throughout", False, str(dict(floor.statuses()))))
    finally:
        signal.alarm(0)
        if engine is not None:
            engine.dispose()
        if created:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(tmp_dir, ignore_errors=True)

    print()
    print(f"load: {args.orgs} requests, {args.threads} client threads (urllib, one connection each); gunicorn "
          f"2 workers x {args.gunicorn_threads} threads serving {app_target}; PostgreSQL {name} (dropped)")
    print_load(f"app   POST /api/v1/proposals/<id>/submit ({args.orgs} orgs)", burst)
    print_load("floor bare Flask + 1 query, GET / (2 runs)        ", floor)
    print(f"submissions/s {burst.rate:.1f}  vs floor {floor.rate:.1f} req/s  -> ratio {burst.rate / floor.rate:.2f}; "
          f"p99 {burst.percentile(0.99):.1f} ms vs {floor.percentile(0.99):.1f} ms "
          f"(x{burst.percentile(0.99) / floor.percentile(0.99):.1f})")
    print_load(f"late  {len(late_jobs)} submits/withdrawals at deadline + 0.5 s     ", late)
    edge_codes = Counter(h.status for h in edge_hits)
    print(f"edge  {len(edge_hits)} submits sent {min(h.sent for h in edge_hits) - deadline_ts:+.3f} s … "
          f"{max(h.sent for h in edge_hits) - deadline_ts:+.3f} s from the deadline: {dict(edge_codes)}; "
          + ", ".join(f"{h.sent - deadline_ts:+.3f}s→{h.status}" for h in sorted(edge_hits, key=lambda h: h.sent)))
    closed_seen = seen.get("closed_seen_at")
    print(f"call after the run: {info['call_status']} (closed_at {info['closed_at']}, {info['closed_events']} "
          f"call.closed event(s); a visitor saw it closed "
          f"{'never' if closed_seen is None else f'{closed_seen - deadline_ts:+.3f} s after the deadline'}); "
          f"last proposal.submitted event at {info['last_submit_event']}, "
          f"{info['submit_events_after_deadline']} recorded at or after the deadline")
    print()
    failed = 0
    for label, ok, detail in checks:
        failed += not ok
        print(f"[{'ok' if ok else 'FAIL'}] {label}" + ("" if ok or not detail else f"\n       {detail}"))
    print(f"\n{len(checks) - failed}/{len(checks)} checks passed; whole run {time.monotonic() - begun:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
