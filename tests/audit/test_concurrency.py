"""Appends from many processes at once still form one unbroken chain (SQLite and PostgreSQL)."""

import multiprocessing as mp
import os

import pytest

from app import create_app
from audit import services as audit
from audit import verification
from core.db import db
from tests.conftest import app_config

WORKERS = 4
PER_WORKER = 25


def _append(url: str, instance: str, worker: int, start) -> None:
    os.environ["GONGZHI_INSTANCE"] = instance
    application = create_app(app_config(url, instance))
    start.wait()
    with application.app_context():
        for i in range(PER_WORKER):
            audit.record("test.concurrent", ("worker", worker), data={"i": i})
            db.session.commit()


@pytest.mark.committing
def test_concurrent_appends_form_one_chain(migrated_url, tmp_path):
    application = create_app(app_config(migrated_url, tmp_path))
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_append, args=(migrated_url, str(tmp_path), w, start)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with application.app_context():
        result = verification.verify()
        db.engine.dispose()
    assert result.ok and result.checked == WORKERS * PER_WORKER
