"""Anonymous directory pages are cached briefly and retired as soon as an organisation's standing changes."""

from accounts.enums import Role
from core import cache
from core.db import db
from orgs import services
from orgs.enums import OrgStatus
from tests.factories import make_user
from tests.orgs.helpers import submitted_org


def test_public_pages_are_cached_for_anonymous_visitors_and_retired_on_change(app, client, session, login_as):
    app.config["TESTING_NO_PAGE_CACHE"] = False
    try:
        officer = make_user(Role.OFFICER)
        first = client.get("/orgs/?q=缓存测试")
        assert first.headers.get("X-Cache") is None
        assert client.get("/orgs/?q=缓存测试").headers.get("X-Cache") == "hit"
        org = submitted_org(make_user(), name="缓存测试社会工作服务中心")
        services.transition_org(org, OrgStatus.APPROVED, actor=officer)
        db.session.commit()
        fresh = client.get("/orgs/?q=缓存测试")
        assert fresh.headers.get("X-Cache") is None and "缓存测试社会工作服务中心" in fresh.get_data(as_text=True)
        login_as(officer)  # signed-in pages are never cached
        assert client.get("/orgs/?q=缓存测试").headers.get("X-Cache") is None
    finally:
        app.config["TESTING_NO_PAGE_CACHE"] = True


def test_a_change_retires_cached_pages_when_it_commits_and_not_when_it_rolls_back(app, session):
    before = cache.generation("directory")
    cache.bump("directory")  # as a service does, mid-transaction
    assert cache.generation("directory") == before  # a visitor now still reads (and may cache) the old records
    db.session.rollback()
    assert cache.generation("directory") == before  # nothing changed, nothing retired
    cache.bump("directory")
    cache.bump("directory")  # twice in one transaction: one retirement
    db.session.commit()
    assert cache.generation("directory") == before + 1
    db.session.commit()  # a later commit without a change retires nothing more
    assert cache.generation("directory") == before + 1
