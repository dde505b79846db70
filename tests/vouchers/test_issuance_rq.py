"""At scale (DESIGN.md section 7) a period's issuance runs on the RQ queue: with REDIS_URL set, the officer's "issue"
only queues the batch, and a real `rq worker` process (its own app, from the environment) issues the vouchers. The
inline path, without Redis, is tested in test_issuance.py."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from accounts.enums import Role
from app import create_app
from core.db import db, utcnow
from tests.conftest import app_config
from tests.factories import PASSWORD, login, make_user
from tests.vouchers.helpers import resident, running_programme
from vouchers import ledger
from vouchers.enums import BatchStatus
from vouchers.models import IssuanceBatch, Programme, Voucher
from vouchers.programmes import period_of

ROOT = Path(__file__).resolve().parents[2]
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
RESIDENTS = 3


def queue_url() -> str:
    """A database of its own on the test Redis (others flush theirs), so the queue holds only this test's job."""
    return TEST_REDIS_URL.rsplit("/", 1)[0] + "/13"


@pytest.fixture
def queued_world(migrated_url, tmp_path):
    url = queue_url()
    redis.Redis.from_url(url).flushdb()
    application = create_app(app_config(migrated_url, tmp_path, REDIS_URL=url))
    with application.app_context():
        officer, staff = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF)
        programme = running_programme(officer)
        for _ in range(RESIDENTS):
            resident(staff)
        facts = {"officer": officer.username, "programme": programme.id}
        db.session.commit()
    yield application, facts, url
    redis.Redis.from_url(url).flushdb()
    with application.app_context():
        db.engine.dispose()


def vouchers_of(programme_id: int) -> int:
    return db.session.scalar(select(func.count(Voucher.id)).where(Voucher.programme_id == programme_id))


@pytest.mark.committing
@pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_a_batch_is_queued_and_a_real_rq_worker_issues_it(queued_world, migrated_url, tmp_path):
    application, facts, url = queued_world
    client = application.test_client()
    assert login(client, facts["officer"], PASSWORD).status_code == 302
    started = client.post(f"/vouchers/programmes/{facts['programme']}/batches", data={"period": period_of(utcnow())})
    assert started.status_code == 302
    batch_url = started.headers["Location"]
    with application.app_context():
        batch = db.session.scalar(select(IssuanceBatch).where(IssuanceBatch.programme_id == facts["programme"]))
        # Queued, not done: the request returned before any voucher was issued.
        assert batch.status != BatchStatus.DONE and vouchers_of(facts["programme"]) == 0
        db.session.remove()
    assert redis.Redis.from_url(url).llen("rq:queue:gongzhi") == 1
    waiting = client.get(batch_url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting  # the progress page refreshes itself while the batch waits for a worker

    env = {**os.environ, "DATABASE_URL": migrated_url, "SECRET_KEY": "test-secret", "REDIS_URL": url,
           "GONGZHI_INSTANCE": str(tmp_path / "worker-instance"), "PYTHONPATH": str(ROOT)}
    worker = subprocess.run([str(Path(sys.executable).parent / "rq"), "worker", "--burst", "--url", url, "gongzhi"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stdout + worker.stderr

    with application.app_context():
        batch = db.session.get(IssuanceBatch, batch.id)
        assert batch.status == BatchStatus.DONE, (batch.status, batch.message, worker.stderr[-2000:])
        assert batch.vouchers_issued == 4 * RESIDENTS == vouchers_of(facts["programme"])
        assert ledger.reconciliation(db.session.get(Programme, facts["programme"])).balanced
        db.session.remove()
    assert redis.Redis.from_url(url).llen("rq:queue:gongzhi") == 0
    done = client.get(batch_url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in done
