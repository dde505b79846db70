"""Experts score only once the officer has started the review (QA walk: all 15 sheets were submitted while the call
was merely closed, 已截止, before the results page told the officer "start the review first"). While closed, screening
goes on (a proposal scored could still be found ineligible, or the call fail), so a sheet is neither saved nor
submitted then: refused with a 409 (code review_not_started), said in the expert's language, nothing stored. The
expert may declare conflicts and read the proposals meanwhile; the pages say when scoring opens."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from evaluation import panels, pending, services
from evaluation.enums import SeatType
from evaluation.models import ScoreSheet
from projects import calls, proposals
from projects.enums import CallStatus, ProposalStatus
from tests.evaluation.helpers import expert
from tests.evaluation.test_api import bearer
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH, EN = {"Accept-Language": "zh-CN"}, {"Accept-Language": "en"}
REFUSED_ZH = "本次项目征集的评审尚未开始：工作人员开始评审后才能评分。"
REFUSED_EN = "The review of this call has not started yet: scores can be entered once the officer has started it."


@pytest.fixture
def closed(app, session):
    """A closed call (not under review), two proposals screened eligible, a panel drawn; the first member declared
    no conflict on both. (officer, call, props, member)"""
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer, mode="project_application")
        props = []
        for i in range(2):
            manager = make_user()
            proposal = ready_proposal(call, good_org(manager, officer, name=f"评分等待测试中心{i}"), manager)
            proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
            props.append(proposal)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        for p in props:
            proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=after)
        for _ in range(3):
            expert(SeatType.SOCIAL_SERVICE, officer=officer)
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
        member = panel.members[0]
        for p in props:
            services.declare(member, p, False, "", actor=member.user)  # declaring is open while closed
    db.session.commit()
    assert call.status == CallStatus.CLOSED
    return officer, call, props, member


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(ScoreSheet.id))),
            db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action.like("sheet.%"))))


def full_form(member) -> dict:
    return {f"c{c.id}": str(c.max_points // 2) for c in member.panel.template.criteria}


@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_sheet_is_refused_before_the_review_starts_and_nothing_is_stored(app, client, login_as, closed, action):
    _officer, _call, props, member = closed
    login_as(member.user)
    path = f"/evaluation/members/{member.id}/proposals/{props[0].id}"
    before = counts()
    for headers, message in ((ZH, REFUSED_ZH), (EN, REFUSED_EN)):
        response = client.post(path, data=full_form(member) | {"action": action}, headers=headers)
        assert response.status_code == 409
        assert message in html.unescape(response.get_data(as_text=True))
    assert counts() == before  # no sheet (not even an empty draft), no event


def test_the_api_refuses_with_its_code_and_stores_nothing(client, closed):
    _officer, _call, props, member = closed
    headers = bearer(member.user) | ZH
    before = counts()
    scores = {str(c.id): {"points": c.max_points // 2} for c in member.panel.template.criteria}
    response = client.put(f"/api/v1/evaluation/members/{member.id}/sheets/{props[0].id}",
                          json={"scores": scores, "submit": True}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "review_not_started"
    assert response.get_json()["error"]["message"] == REFUSED_ZH
    assert counts() == before


def test_the_pages_say_when_scoring_opens_and_it_opens_once_started(app, client, login_as, closed):
    officer, call, props, member = closed
    login_as(member.user)
    path = f"/evaluation/members/{member.id}/proposals/{props[0].id}"
    page = html.unescape(client.get(path, headers=ZH).get_data(as_text=True))
    assert "本次项目征集的评审尚未开始：您现在可以阅读申报书，工作人员开始评审后才能评分。" in page
    assert props[0].title in page and 'id="criteria-preview"' in page  # read ahead, with what it will be scored on
    assert 'id="submit-sheet"' not in page and 'name="fingerprint"' not in page  # no form to be refused
    mine = html.unescape(client.get("/evaluation/assignments", headers=ZH).get_data(as_text=True))
    mine = mine.split(f'id="panel-call-{call.id}"', 1)[1]
    assert "评审尚未开始：您现在可以声明利益冲突、阅读申报书，工作人员开始评审后才能评分。" in mine
    assert "阅读申报书" in mine.split(f'id="assignment-{props[0].id}"', 1)[1].split("</li>", 1)[0]
    english = html.unescape(client.get("/evaluation/assignments", headers=EN).get_data(as_text=True))
    assert "Read the proposal" in english and "score them once the officer has started the review" in english
    with app.test_request_context():
        waiting = pending.pending_for(member.user)
    assert waiting.review_sheets == 0  # nothing can be submitted yet: not counted as owed

    with app.test_request_context():
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer)
        waiting = pending.pending_for(member.user)
    db.session.commit()
    assert waiting.review_sheets == 2
    page = html.unescape(client.get(path, headers=ZH).get_data(as_text=True))
    assert "评审尚未开始" not in page and 'id="submit-sheet"' in page
    response = client.post(path, data=full_form(member) | {"action": "save"}, headers=ZH)
    assert response.status_code == 302
    assert counts()[0] == 1


def test_the_officer_is_told_on_the_panel_page_and_cannot_reopen_before(app, client, login_as, closed):
    officer, call, _props, _member = closed
    login_as(officer)
    page = html.unescape(client.get(f"/evaluation/calls/{call.id}/panel", headers=ZH).get_data(as_text=True))
    assert "您开始评审后，专家才能评分" in page.split('id="scoring-waits"', 1)[1].split("</p>", 1)[0]
    results = html.unescape(client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).get_data(as_text=True))
    assert "评审尚未开始：开始评审后，专家才能评分，之后才能定标。" in results
    assert "退回评分表重评" not in results  # no reopen column before the review
