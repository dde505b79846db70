"""With REDIS_URL set, the public-page cache is shared by every app process (DESIGN.md section 7): a page one
process cached is served by another, and a change recorded in one retires it for all."""

import os

import pytest
import redis

from accounts.enums import Role
from app import create_app
from core import cache
from core.db import db
from orgs import services
from orgs.enums import OrgStatus
from tests.conftest import app_config
from tests.factories import make_user
from tests.orgs.helpers import submitted_org

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
PAGE = "/orgs/?q=共享缓存"


@pytest.mark.committing
@pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL not set (.ci/run sets it)")
def test_two_processes_share_cached_pages_and_their_retirement(migrated_url, tmp_path):
    url = TEST_REDIS_URL.rsplit("/", 1)[0] + "/12"  # a database of its own: others flush theirs
    redis.Redis.from_url(url).flushdb()
    one, two = (create_app(app_config(migrated_url, tmp_path / name, REDIS_URL=url, TESTING_NO_PAGE_CACHE=False))
                for name in ("one", "two"))
    try:
        assert one.test_client().get(PAGE).headers.get("X-Cache") is None  # cached by the first process
        cache._local.clear()  # (nothing of this process's own memory can answer for the second)
        assert two.test_client().get(PAGE).headers.get("X-Cache") == "hit"  # and served by the second
        assert any(key.startswith(b"page:directory:") for key in redis.Redis.from_url(url).keys("page:*"))
        with one.app_context():  # the first process approves an organisation the page would list
            org = submitted_org(make_user(), name="共享缓存社会工作服务中心")
            services.transition_org(org, OrgStatus.APPROVED, actor=make_user(Role.OFFICER))
            db.session.commit()
        assert int(redis.Redis.from_url(url).get("gen:directory")) >= 1  # the generation moved, in Redis
        fresh = two.test_client().get(PAGE)
        assert fresh.headers.get("X-Cache") is None
        assert "共享缓存社会工作服务中心" in fresh.get_data(as_text=True)
    finally:
        redis.Redis.from_url(url).flushdb()
        for application in (one, two):
            with application.app_context():
                db.engine.dispose()
