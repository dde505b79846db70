"""Eligibility screening as an officer meets it (found by a user-journey test): each decision's notice names the
proposal and its organisation, and once the last one is screened the page points to the next step."""

import html
from datetime import timedelta

import pytest

from accounts.enums import Role
from core.db import db
from core.timeutil import utcnow
from projects import proposals
from projects.enums import ProposalStatus
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def closed_call(app, session):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer)
        submitted = []
        for i, title in enumerate(("长者上门探访", "社区助餐服务")):
            manager = make_user()
            org = good_org(manager, officer, name=f"筛选测试服务中心{i}")
            proposal = ready_proposal(call, org, manager, title=title)
            proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
            submitted.append(proposal)
    call.questions_until = utcnow() - timedelta(days=2)
    call.submission_deadline = utcnow() - timedelta(seconds=1)  # the screening page closes it
    db.session.commit()
    return officer, call, submitted


def screen(client, proposal, to, reason=""):
    return client.post(f"/proposals/{proposal.id}/status", headers=ZH, follow_redirects=True,
                       data={"to": to, "reason": reason, "back": "screening"})


def test_each_decision_names_the_proposal_and_the_next_step_follows_the_last(client, login_as, closed_call):
    officer, call, (first, second) = closed_call
    login_as(officer)
    page = html.unescape(client.get(f"/calls/{call.id}/screening", headers=ZH).get_data(as_text=True))
    assert 'id="next-step"' not in page
    page = html.unescape(screen(client, first, "eligible").get_data(as_text=True))
    assert "“长者上门探访”（筛选测试服务中心0）：状态已变更为“符合资格”。" in page
    assert 'id="next-step"' not in page  # one is still to screen
    page = html.unescape(screen(client, second, "ineligible", "未按要求提交盖章扫描件").get_data(as_text=True))
    assert "“社区助餐服务”（筛选测试服务中心1）：状态已变更为“不符合资格”。" in page
    step = page.split('id="next-step"', 1)[1].split("</div>", 1)[0]
    assert "资格审查已完成：符合资格 1 份，不符合资格 1 份。" in step
    assert f'href="/evaluation/calls/{call.id}/panel"' in step
