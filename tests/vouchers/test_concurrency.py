"""Many processes at once (SQLite, and PostgreSQL when TEST_DATABASE_URL is set): redeeming the same resident's
vouchers never overdraws, a key sent twice at once redeems once, concurrent issuance never passes the budget.

The processes are forked (each builds its own app and engine, nothing of the parent's database connections is
used) and both tests share one migrated scratch database, each with its own programme: spawning four interpreters
and migrating a database per test took ~40 s of the ~45 these tests used to take."""

import multiprocessing as mp
import os

import pytest
from sqlalchemy import func, select

from accounts.models import User
from app import create_app
from audit import verification
from core.db import db
from core.errors import ServiceError
from tests.conftest import app_config, copy_scratch_database, drop_scratch_database
from tests.vouchers.helpers import resident, world
from vouchers import issuance, ledger, redemption
from vouchers.models import IssuanceBatch, Programme, Voucher, VoucherService
from vouchers.redemption_models import Redemption

WORKERS = 4
CODES_PER_WORKER = 5
AMOUNT = 3000  # 20 requests × 30 元 against a balance of 200 元: exactly 6 can succeed


def _app(url: str, instance: str):
    os.environ["GONGZHI_INSTANCE"] = instance
    return create_app(app_config(url, instance))


def _redeem_worker(url, instance, codes, shared, service_id, user_id, start, results) -> None:
    application = _app(url, instance)
    start.wait()
    with application.app_context():
        done, ids = 0, set()
        for i, code in enumerate(codes):
            try:
                redemption.redeem(code, db.session.get(VoucherService, service_id), AMOUNT, f"w{os.getpid()}-{i}",
                                  actor=db.session.get(User, user_id))
                db.session.commit()
                done += 1
            except ServiceError:
                db.session.rollback()
        # Everyone sends the same request with the same key at once: one redemption, the same answer for all.
        result = redemption.redeem(shared, db.session.get(VoucherService, service_id), 1000, "shared-key",
                                   actor=db.session.get(User, user_id))
        db.session.commit()
        ids.add(result.redemption.id)
        results.put((done, sorted(ids)))
        db.engine.dispose()


def _context():
    """fork where the platform has it (the workers start at once, with the modules already imported)."""
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


@pytest.fixture(scope="module")
def shared_scratch(migrated_database, tmp_path_factory):
    """One scratch database, as the migrations leave it (a copy of migrated_database), for the tests of this module
    (each works on its own programme)."""
    instance = tmp_path_factory.mktemp("vouchers-concurrency")
    url = copy_scratch_database(migrated_database, instance)
    yield url, str(instance)
    drop_scratch_database(url)


def _run(ctx, target, args_list):
    procs = [ctx.Process(target=target, args=args) for args in args_list]
    for p in procs:
        p.start()
    return procs


@pytest.mark.committing
def test_concurrent_redemptions_never_overdraw(shared_scratch):
    scratch_url, instance = shared_scratch
    application = _app(scratch_url, instance)
    with application.app_context():
        w = world()
        codes = [redemption.issue_code(w.resident, actor=w.resident.user, printed=True)[0]  # (several live at once)
                 for _ in range(WORKERS * CODES_PER_WORKER + 1)]
        db.session.commit()
        ids = (w.service.id, w.manager.id, w.resident.id, w.programme.id)
        db.engine.dispose()
    ctx = _context()
    start, results = ctx.Event(), ctx.Queue()
    shared = codes[-1]
    procs = _run(ctx, _redeem_worker, [
        (scratch_url, instance, codes[k * CODES_PER_WORKER:(k + 1) * CODES_PER_WORKER], shared, ids[0], ids[1],
         start, results) for k in range(WORKERS)])
    start.set()
    outcomes = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with application.app_context():
        balances = list(db.session.scalars(select(Voucher.balance_fen).where(Voucher.resident_id == ids[2])))
        redeemed = db.session.scalar(select(func.sum(Redemption.amount_fen)).where(Redemption.resident_id == ids[2]))
        shared_ids = set(db.session.scalars(select(Redemption.id).where(Redemption.idempotency_key == "shared-key")))
        rec = ledger.reconciliation(db.session.get(Programme, ids[3]))
        mismatches, chain = ledger.check(), verification.verify()
        db.engine.dispose()
    assert sum(done for done, _ids in outcomes) == 6
    assert all(b >= 0 for b in balances) and sum(balances) == 20_000 - redeemed == 1000
    assert redeemed == 6 * AMOUNT + 1000
    assert len(shared_ids) == 1 and {tuple(i) for _d, i in outcomes} == {tuple(shared_ids)}
    assert rec.balanced and rec.redeemed_fen == redeemed and mismatches == []
    assert chain.ok


def _issue_worker(url, instance, programme_id, resident_ids, use_batch, start) -> None:
    application = _app(url, instance)
    start.wait()
    with application.app_context():
        programme = db.session.get(Programme, programme_id)
        if use_batch:
            # Refused up front once the others have used the budget up (or issued to everyone): nothing to run.
            try:
                batch = issuance.start_batch(programme, actor=None)
                db.session.commit()
            except ServiceError:
                db.session.rollback()
            else:
                issuance.run_batch(batch.id, chunk_size=3)
        else:
            for rid in resident_ids:
                try:
                    from accounts.resident_models import ResidentProfile

                    issuance.issue_to_resident(programme, db.session.get(ResidentProfile, rid), actor=None)
                    db.session.commit()
                except ServiceError:
                    db.session.rollback()
        db.engine.dispose()


@pytest.mark.committing
def test_concurrent_issuance_never_passes_the_budget(shared_scratch):
    scratch_url, instance = shared_scratch
    application = _app(scratch_url, instance)
    with application.app_context():
        w = world(budget_fen=7 * 20_000)  # the world's resident already holds one share: six more fit
        people = [resident(w.staff).id for _ in range(12)]
        db.session.commit()
        programme_id = w.programme.id
        db.engine.dispose()
    ctx = _context()
    start = ctx.Event()
    procs = _run(ctx, _issue_worker, [(scratch_url, instance, programme_id, people[k::2], k >= 2, start)
                                      for k in range(4)])
    start.set()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    with application.app_context():
        programme = db.session.get(Programme, programme_id)
        issued = db.session.scalar(select(func.sum(Voucher.face_value_fen)).where(Voucher.programme_id == programme_id))
        per_resident = dict(db.session.execute(select(Voucher.resident_id, func.count(Voucher.id))
                                               .where(Voucher.programme_id == programme_id)
                                               .group_by(Voucher.resident_id)).all())
        batches = list(db.session.scalars(select(IssuanceBatch.status)
                                          .where(IssuanceBatch.programme_id == programme_id)))
        rec, mismatches = ledger.reconciliation(programme), ledger.check()
        db.engine.dispose()
    assert issued == programme.allocated_fen == programme.budget_fen == 140_000
    assert len(per_resident) == 7 and set(per_resident.values()) == {4}
    assert rec.balanced and mismatches == [] and set(batches) <= {"done", "budget_exhausted"}
