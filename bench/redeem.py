"""Benchmark: 64 concurrent clients redeeming residents' vouchers through the API (gunicorn, PostgreSQL).

Creates a scratch PostgreSQL database (created from, and dropped through, a connection to BENCH_ADMIN_DB, default
postgres), migrates it, seeds through the real services: PROVIDERS providers, each with a service and a member's API
token, a running programme (4 x 50 yuan a month), RESIDENTS verified residents holding this month's vouchers, and
CODES_EACH one-time codes per resident. Each client keeps one HTTP connection and POSTs
/api/v1/vouchers/redemptions for 30 yuan with a unique idempotency key, as one of the providers (in turn); the codes
are shuffled, so one resident's codes are spent concurrently (at times by different providers) and only 6 of each
resident's 8 can succeed (200 yuan / 30). As in real use, load spreads over many residents and a handful of
providers; the one row every redemption does share, the audit chain's head, stays shared.
Then checks: every answer 201 or 409 (no 5xx), at most 6
successes per resident, total redeemed in the ledger = total of the 201 answers = sum of redemption rows, no voucher
below zero, `flask vouchers check` passes. The floor is bench/bare_update_app.py (bare Flask, one UPDATE per POST)
on the same database, served and loaded the same way in the same run. For both it also prints the CPU time per
request of the gunicorn workers, of PostgreSQL and of the load client (from /proc), which shows where the time goes.

Both are served by gunicorn with WORKERS processes x THREADS threads (gthread, keep-alive), each worker's GIL switch
interval set to SWITCH_INTERVAL s (Python's default is 0.005). On 2 cores, 4 x 4 with 0.0005 did best: a request
holding the audit chain's lock needs the GIL back for its COMMIT, and with many threads per process and the default
interval it waited milliseconds for it while every other redemption queued behind the lock. Sync workers (no
keep-alive) and 8 x 1 were slower.

    .venv/bin/python bench/redeem.py [--residents 240] [--codes-each 8] [--providers 6] [--clients 64]
                                     [--workers 4] [--gunicorn-threads 4] [--switch-interval 0.0005]
"""

import argparse
import contextlib
import http.client
import json
import os
import queue
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))  # first: the app's packages win over bench scripts of the same name (projects.py)

from _common import HOST, free_port, postgres_cpu, serving, workers_cpu  # noqa: E402
from submit import BIN, Hit, Load, flask  # noqa: E402

sys.path.insert(0, str(ROOT))  # submit.py put bench/ first again

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
AMOUNT = 3000


def seed(db_url: str, residents: int, codes_each: int, providers: int = 1):
    """Providers, programme, residents with vouchers and codes; returns (tokens, service_ids, codes, voucher_ids)."""
    from accounts import services as accounts
    from accounts.enums import Role
    from accounts.tokens import create_token
    from app import create_app
    from core.db import db
    from tests.vouchers import helpers
    from vouchers import issuance, redemption
    from vouchers.models import Voucher

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "TESTING": True, "SECRET_KEY": "bench"})
    with app.app_context(), app.test_request_context():
        officer = accounts.create_user("bench_officer", "王芳", "bench-password-1", [Role.OFFICER], actor=None)
        staff = accounts.create_user("bench_staff", "社区", "bench-password-1", [Role.COMMUNITY_STAFF], actor=None)
        tokens, service_ids = [], []
        for _ in range(providers):
            org, manager = helpers.provider(officer)
            service_ids.append(helpers.service(org, manager, price_fen=AMOUNT).id)
            tokens.append(create_token(manager, "bench", actor=manager)[1])
        programme = helpers.running_programme(officer, budget_fen=residents * 20_000 + 1)
        people = [helpers.resident(staff) for _ in range(residents)]
        for person in people:
            issuance.issue_to_resident(programme, person, actor=officer)
        db.session.commit()
        codes = [(person.id, redemption.issue_code(person, actor=staff, programme=programme, printed=True)[0])
                 for person in people for _ in range(codes_each)]
        voucher_ids = list(db.session.scalars(sa.select(Voucher.id)))
        db.session.commit()
        result = tokens, service_ids, codes, voucher_ids
        db.engine.dispose()
    return result


GUNICORN_CONF = """import sys


def post_fork(server, worker):
    sys.setswitchinterval({interval})
"""


@contextlib.contextmanager
def serve(target: str, env: dict, log: Path, args, probe: str, chdir: Path = ROOT):
    """gunicorn with args.workers x args.gunicorn_threads and the workers' GIL switch interval: yields (its URL,
    the master's pid); stopped after."""
    conf = log.parent / "gunicorn_conf.py"
    conf.write_text(GUNICORN_CONF.format(interval=args.switch_interval))
    port = free_port()
    command = [str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", str(args.workers), "--threads",
               str(args.gunicorn_threads), "--chdir", str(chdir), "--log-level", "warning", "--timeout", "60",
               "-c", str(conf), target]
    base = f"http://{HOST}:{port}"
    with serving(command, ROOT, env, log, base + probe) as process:
        yield base, process.pid


def fire(base: str, path: str, bodies: list[dict], clients: int, tokens: list[str] | None = None) -> Load:
    """POST every body (with the token of the same index, if any) through `clients` threads, each with one
    kept-alive connection."""
    host, port = base.removeprefix("http://").split(":")
    jobs: queue.Queue = queue.Queue()
    for i, body in enumerate(bodies):
        jobs.put((i, body, tokens[i] if tokens else ""))
    hits: list[Hit] = []
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        while True:
            try:
                key, body, token = jobs.get_nowait()
            except queue.Empty:
                break
            started, sent = time.perf_counter(), time.time()
            try:
                headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"} if token else {}
                conn.request("POST", path, json.dumps(body), headers)
                response = conn.getresponse()
                status, raw = response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
                status, raw = 0, str(exc).encode()
            hit = Hit("post", key, status, (time.perf_counter() - started) * 1000, sent,
                      json.loads(raw) if raw[:1] == b"{" else {})
            with lock:
                hits.append(hit)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Load(hits, time.perf_counter() - started)


def fire_measured(master_pid: int, *args, **kwargs) -> tuple[Load, list[float]]:
    """fire(*args, **kwargs), and the milliseconds of CPU per request it took: [the gunicorn workers, PostgreSQL
    (all of the server's processes), this load client]."""
    def readings():
        return workers_cpu(master_pid), postgres_cpu(), time.process_time()

    before = readings()
    load = fire(*args, **kwargs)
    return load, [(after - first) * 1000 / len(load.hits) for after, first in zip(readings(), before, strict=True)]


def verify(db_url: str, load: Load, resident_of: dict, env: dict, log: Path) -> list[tuple[str, bool, str]]:
    engine = sa.create_engine(db_url)
    ok_amount = sum(h.body.get("amount_fen", 0) for h in load.hits if h.status == 201)
    per_resident: dict = {}
    for h in load.hits:
        if h.status == 201:
            per_resident[resident_of[h.key]] = per_resident.get(resident_of[h.key], 0) + 1
    with engine.connect() as conn:
        redeemed = conn.execute(sa.text("SELECT -coalesce(sum(amount_fen), 0) FROM voucher_ledger "
                                        "WHERE kind = 'redeem'")).scalar()
        rows, row_sum = conn.execute(sa.text("SELECT count(*), coalesce(sum(amount_fen), 0) "
                                             "FROM voucher_redemptions")).one()
        lowest = conn.execute(sa.text("SELECT min(balance_fen) FROM vouchers")).scalar()
    engine.dispose()
    try:
        check = flask(env, "vouchers", "check", log=log)
        check_ok = True
    except RuntimeError as exc:
        check, check_ok = str(exc)[-500:], False
    statuses = load.statuses()
    return [
        ("every answer 201 or 409", set(statuses) <= {201, 409}, str(dict(statuses))),
        ("no resident redeemed more than 200 yuan (6 x 30)", max(per_resident.values(), default=0) <= 6,
         str(max(per_resident.values(), default=0))),
        ("ledger redeemed = redemption rows = sum of 201 answers", redeemed == row_sum == ok_amount
         and rows == statuses.get(201, 0), f"ledger {redeemed}, rows {row_sum} ({rows}), answers {ok_amount}"),
        ("no voucher below zero", lowest is not None and lowest >= 0, str(lowest)),
        ("`flask vouchers check` passes", check_ok, check),
    ]


def print_load(label: str, load: Load) -> None:
    print(f"{label}: {len(load.hits)} requests, {load.rate:8.1f} req/s, p50 {load.percentile(0.5):7.1f} ms, "
          f"p99 {load.percentile(0.99):7.1f} ms, statuses {dict(load.statuses())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=240)
    parser.add_argument("--codes-each", type=int, default=8)
    parser.add_argument("--providers", type=int, default=6)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument("--switch-interval", type=float, default=0.0005)
    args = parser.parse_args()
    admin = sa.create_engine(SERVER_URL + os.environ.get("BENCH_ADMIN_DB", "postgres"), isolation_level="AUTOCOMMIT")
    name = f"gz_bench_redeem_{secrets.token_hex(4)}"
    db_url = SERVER_URL + name
    tmp_dir = Path(tempfile.mkdtemp(prefix="gongzhi-bench-redeem-"))
    log = tmp_dir / "server.log"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "bench", "REDIS_URL": "", "FLASK_DEBUG": "0",
               "GONGZHI_INSTANCE": str(tmp_dir / "instance"), "PYTHONPATH": str(ROOT)}
        os.environ["GONGZHI_INSTANCE"] = env["GONGZHI_INSTANCE"]
        flask(env, "db", "upgrade", log=log)
        started = time.monotonic()
        tokens, service_ids, codes, voucher_ids = seed(db_url, args.residents, args.codes_each, args.providers)
        print(f"seeded {args.residents} residents with vouchers and {len(codes)} codes in "
              f"{time.monotonic() - started:.1f} s", flush=True)
        random.shuffle(codes)
        bodies = [{"code": code, "service_id": service_ids[i % args.providers], "amount_fen": AMOUNT,
                   "idempotency_key": f"b-{i}"} for i, (_rid, code) in enumerate(codes)]
        body_tokens = [tokens[i % args.providers] for i in range(len(bodies))]
        resident_of = {i: rid for i, (rid, _code) in enumerate(codes)}
        floor_bodies = [{"voucher_id": random.choice(voucher_ids)} for _ in bodies]
        with (serve("app:create_app()", env, log, args, "/healthz") as (app_url, app_pid),
              serve("bare_update_app:app", env, log, args, "/", chdir=BENCH) as (bare_url, bare_pid)):
            fire(bare_url, "/", floor_bodies[:128], args.clients)  # warm both
            fire(app_url, "/api/v1/vouchers/redemptions", [{"code": "0"}] * 128, args.clients, body_tokens)
            floor, floor_cpu = fire_measured(bare_pid, bare_url, "/", floor_bodies, args.clients)
            load, load_cpu = fire_measured(app_pid, app_url, "/api/v1/vouchers/redemptions", bodies, args.clients,
                                           body_tokens)
        checks = verify(db_url, load, resident_of, env, log)
        log_text = log.read_text(errors="replace")
        checks.append(("no traceback in the server log", "Traceback" not in log_text, log_text[-800:]))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(tmp_dir, ignore_errors=True)
    print()
    print(f"{args.clients} clients (one kept-alive connection each) as {args.providers} providers for "
          f"{args.residents} residents; gunicorn {args.workers} workers x {args.gunicorn_threads} threads, GIL switch "
          f"interval {args.switch_interval} s; PostgreSQL {name} (dropped); load average {os.getloadavg()[0]:.1f}")
    print_load("app   POST /api/v1/vouchers/redemptions", load)
    print_load("floor bare Flask, one UPDATE per POST  ", floor)
    for label, cpu in (("app  ", load_cpu), ("floor", floor_cpu)):
        print(f"{label} CPU per request: gunicorn workers {cpu[0]:5.2f} ms, PostgreSQL {cpu[1]:5.2f} ms, "
              f"load client {cpu[2]:5.2f} ms")
    successes = load.statuses().get(201, 0)
    print(f"redemptions/s (201 only): {successes / load.wall_s:.1f}; ratio app/floor (requests/s): "
          f"{load.rate / floor.rate:.2f} (target >= 0.4)")
    failed = [c for c in checks if not c[1]]
    for label, ok, detail in checks:
        print(f"  [{'ok' if ok else 'FAIL'}] {label}" + ("" if ok else f": {detail}"))
    print(f"double-spends: {'0' if not failed else 'CHECK FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
