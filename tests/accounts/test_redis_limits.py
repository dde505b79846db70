"""With REDIS_URL set, login throttling lives in Redis, so every app process and host shares it."""

import os

import pytest
import redis

from app import create_app
from core.db import db
from core.extensions import limiter
from tests.conftest import app_config
from tests.factories import login, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.committing
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_lockout_is_stored_in_redis(app, migrated_url, tmp_path):
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    host = create_app(app_config(migrated_url, tmp_path, REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI=REDIS_URL))
    try:
        with host.app_context():
            make_user(username="redis-user")
            db.session.commit()
        for _ in range(5):
            assert login(host.test_client(), "redis-user", "wrong-password").status_code == 422
        assert any(b"login-account:redis-user" in key for key in client.keys("*"))
        assert login(host.test_client(), "redis-user").status_code == 429
        with host.app_context():
            db.engine.dispose()
    finally:
        client.flushdb()
        limiter.init_app(app)  # the extension is shared: give the main test app its memory storage back
