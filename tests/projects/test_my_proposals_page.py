"""“Our proposals”: an open call the organisation has already answered says so and leads to its proposal; it looked
like a call still to answer and led to the call's page."""

import html

import pytest

from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def world(app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer, name="我的申报测试服务中心")
    with app.test_request_context():
        answered = published_call(officer, title="已申报的上门服务项目")
        unanswered = published_call(officer, title="未申报的助餐服务项目")
    draft = ready_proposal(answered, org, manager)
    db.session.commit()
    return manager, answered, unanswered, draft


def open_calls(page: str) -> str:
    return page[page.index("<h2"):page.index("<h2", page.index("<h2") + 1)]


def one_item(listed: str, link: str) -> str:
    """The list item starting at this link, up to the next item's link."""
    start = listed.index(link)
    ends = [at for at in (listed.find('href="/proposals/', start + 1), listed.find('href="/calls/', start + 1))
            if at != -1]
    return listed[start:min(ends, default=len(listed))]


def test_an_answered_call_says_so_and_leads_to_the_proposal(client, login_as, world):
    manager, answered, unanswered, draft = world
    login_as(manager)
    listed = html.unescape(open_calls(client.get("/proposals/mine", headers=ZH).get_data(as_text=True)))
    item = one_item(listed, f'href="/proposals/{draft.id}"')
    assert "已申报的上门服务项目" in item and "本组织的申报书：草稿" in item
    other = one_item(listed, f'href="/calls/{unanswered.id}"')  # (the calls' order may differ by database)
    assert "未申报的助餐服务项目" in other and "本组织的申报书" not in other
    assert f'href="/calls/{answered.id}"' not in listed
