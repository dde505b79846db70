"""Benchmark: issue one month of a programme to 100,000 eligible residents on PostgreSQL (target <= 20 s).

Creates a scratch PostgreSQL database (through a connection to BENCH_ADMIN_DB, default postgres), migrates it, seeds
N verified residents set-based (one INSERT … SELECT generate_series for users, one for profiles: every other one
aged 70+, half in each of two communities), sets up a running programme for residents aged 70+ in those two
communities (4 x 50 yuan) through the real services, then times start_batch + run_batch (the officer's "issue this
month to everyone eligible"). Then checks: vouchers = 4 x eligible residents, the ledger's issue rows agree, the
programme's allocation equals the face value issued, `flask vouchers check` passes. The floor, measured in the same
run, is one bare INSERT … SELECT of the same number of voucher-sized rows into a temporary table.

    .venv/bin/python bench/issue.py [--residents 100000]
"""

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))  # first: the app's packages win over bench scripts of the same name (projects.py)

from submit import flask  # noqa: E402

sys.path.insert(0, str(ROOT))  # submit.py put bench/ first again

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"

SEED_USERS = """
INSERT INTO users (username, display_name, password_hash, session_nonce, active, created_at)
SELECT 'bench_r' || g, '居民' || g, '!', md5(g::text), true, now() FROM generate_series(1, :n) AS g
"""
SEED_PROFILES = """
INSERT INTO resident_profiles (user_id, status, real_name, id_number_enc, id_hash, id_masked, birth_date,
                               community_id, address, note, created_at)
SELECT u.id, 'verified', u.display_name, 'x', md5('id' || u.id), '110105********0000',
       CASE WHEN u.id % 2 = 0 THEN date '1945-06-01' ELSE date '1980-06-01' END,
       CASE WHEN u.id % 4 < 2 THEN :c1 ELSE :c2 END, '', '', now()
FROM users u WHERE u.username LIKE 'bench_r%'
"""


def setup(db_url: str, residents: int) -> tuple[int, int, float]:
    """Seed residents set-based and a running programme; returns (programme id, officer id, seed seconds)."""
    from accounts import services as accounts
    from accounts.enums import Role
    from app import create_app
    from core.db import db
    from tests.orgs.helpers import category, community
    from vouchers import programmes
    from vouchers.enums import ProgrammeStatus

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "TESTING": True, "SECRET_KEY": "bench"})
    with app.app_context(), app.test_request_context():
        officer = accounts.create_user("bench_officer", "王芳", "bench-password-1", [Role.OFFICER], actor=None)
        c1, c2 = community("和平社区"), community("幸福社区")
        started = time.monotonic()
        db.session.execute(sa.text(SEED_USERS), {"n": residents})
        db.session.execute(sa.text(SEED_PROFILES), {"c1": c1.id, "c2": c2.id})
        db.session.commit()
        db.session.execute(sa.text("ANALYZE users, resident_profiles, resident_tags"))  # as autovacuum would
        seeded = time.monotonic() - started
        data = programmes.ProgrammeData(name="七十岁以上老人服务券", budget_fen=residents * 20_000,
                                        face_value_fen=5000, vouchers_per_period=4,
                                        category_ids=[category("elderly").id], community_ids=[c1.id, c2.id],
                                        min_age=70, validity_days=60)
        programme = programmes.create_programme(data, actor=officer)
        from tests.vouchers.helpers import provider, service

        org, manager = provider(officer)  # a programme starts only once a provider may redeem its vouchers
        service(org, manager)
        programmes.transition_programme(programme, ProgrammeStatus.ACTIVE, actor=officer)
        db.session.commit()
        ids = programme.id, officer.id
        db.engine.dispose()
    return *ids, seeded


def run_issue(db_url: str, programme_id: int, officer_id: int):
    from accounts.models import User
    from app import create_app
    from core.db import db
    from vouchers import issuance
    from vouchers.models import Programme

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "TESTING": True, "SECRET_KEY": "bench"})
    with app.app_context(), app.test_request_context():
        officer, programme = db.session.get(User, officer_id), db.session.get(Programme, programme_id)
        started = time.monotonic()
        batch = issuance.start_batch(programme, actor=officer)
        db.session.commit()
        batch = issuance.run_batch(batch.id)
        elapsed = time.monotonic() - started
        result = (elapsed, batch.status, batch.expected_residents, batch.residents_issued, batch.vouchers_issued,
                  batch.issued_fen)
        db.engine.dispose()
    return result


def floor(db_url: str, rows: int) -> float:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TEMP TABLE floor_rows (resident_id int, seq int, face bigint, balance bigint, "
                             "status text, issued_at timestamptz, expires_at timestamptz)"))
        started = time.monotonic()
        conn.execute(sa.text("INSERT INTO floor_rows SELECT g / 4, g % 4, 5000, 5000, 'active', now(), "
                             "now() + interval '60 days' FROM generate_series(1, :n) g"), {"n": rows})
        elapsed = time.monotonic() - started
    engine.dispose()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000, help="eligible residents (as many again are not)")
    args = parser.parse_args()
    admin = sa.create_engine(SERVER_URL + os.environ.get("BENCH_ADMIN_DB", "postgres"), isolation_level="AUTOCOMMIT")
    name = f"gz_bench_issue_{secrets.token_hex(4)}"
    db_url = SERVER_URL + name
    tmp_dir = Path(tempfile.mkdtemp(prefix="gongzhi-bench-issue-"))
    log = tmp_dir / "flask.log"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "bench", "REDIS_URL": "", "FLASK_DEBUG": "0",
               "GONGZHI_INSTANCE": str(tmp_dir / "instance")}
        os.environ["GONGZHI_INSTANCE"] = env["GONGZHI_INSTANCE"]
        flask(env, "db", "upgrade", log=log)
        programme_id, officer_id, seeded = setup(db_url, 2 * args.residents)
        print(f"seeded {2 * args.residents} verified residents set-based in {seeded:.1f} s "
              f"({args.residents} aged 70+)", flush=True)
        elapsed, status, expected, issued, vouchers, fen = run_issue(db_url, programme_id, officer_id)
        floor_s = floor(db_url, vouchers)
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM vouchers")).scalar()
            ledger = conn.execute(sa.text("SELECT coalesce(sum(amount_fen), 0) FROM voucher_ledger "
                                          "WHERE kind = 'issue'")).scalar()
            allocated = conn.execute(sa.text("SELECT allocated_fen FROM voucher_programmes WHERE id = :id"),
                                     {"id": programme_id}).scalar()
        engine.dispose()
        try:
            check_ok, check = True, flask(env, "vouchers", "check", log=log)
        except RuntimeError as exc:
            check_ok, check = False, str(exc)[-400:]
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(tmp_dir, ignore_errors=True)
    checks = [
        (f"batch done for all {args.residents} eligible", status == "done" and expected == issued == args.residents,
         f"{status}, expected {expected}, issued {issued}"),
        ("4 vouchers each, ledger and allocation agree", count == vouchers == 4 * args.residents
         and ledger == allocated == fen, f"vouchers {count}/{vouchers}, ledger {ledger}, allocated {allocated}"),
        ("`flask vouchers check` passes", check_ok, check),
    ]
    print()
    print(f"issue one month to {args.residents} eligible residents (of {2 * args.residents}) on PostgreSQL {name} "
          "(dropped)")
    print(f"app   start_batch + run_batch: {elapsed:6.2f} s ({vouchers} vouchers, {issued / elapsed:,.0f} residents/s)"
          f"  target <= 20 s")
    print(f"floor bare INSERT … SELECT of {vouchers} rows: {floor_s:6.2f} s")
    for label, ok, detail in checks:
        print(f"  [{'ok' if ok else 'FAIL'}] {label}" + ("" if ok else f": {detail}"))
    return 0 if all(ok for _l, ok, _d in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
