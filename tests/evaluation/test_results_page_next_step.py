"""The results page after the deadline, before the review has started (found by a QA walk): panels are drawn and
conflicts declared while the call is closed (已截止); sheets are scored and a decision taken only under review (a
later QA walk found all sheets submitted before the page said to start the review: scoring now waits for it, see
test_scoring_waits_for_the_review). The page says so, offers "Start the review" there (the call page's own POST,
asking first) and comes back to itself; once the experts have scored, the decision form is there; other reasons
not to decide yet are named."""

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from evaluation import panels, score_sheets, services
from evaluation.enums import SeatType, SheetStatus
from projects import calls, proposals
from projects.enums import CallStatus, ProposalStatus
from tests.evaluation.helpers import expert
from tests.factories import logout, make_user
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH = {"Accept-Language": "zh-CN"}
NOT_STARTED = "评审尚未开始：开始评审后，专家才能评分，之后才能定标。"
START_CONFIRM = "确定开始评审吗？资格审查随即结束，此后不能再更改申报书的资格认定，项目征集也不能退回“已截止”状态。"
UNSCREENED = "请先对所有申报书进行资格审查。"


def closed_and_declared(app, officer, *, n=2, unscreened=0):
    """A call past its deadline, still closed (已截止), with n eligible proposals and a panel of three drawn for it;
    every member declared no conflict on each proposal. `unscreened` more proposals are submitted and not screened.
    Committed: (call, props, panel)."""
    with app.test_request_context():
        call = published_call(officer, mode="project_application")
        props = []
        for i in range(n + unscreened):
            manager = make_user()
            org = good_org(manager, officer, name=f"定标前测试服务中心{i}")
            proposal = ready_proposal(call, org, manager)
            proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
            props.append(proposal)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        for p in props[:n]:
            proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=after)
        for _ in range(3):
            expert(SeatType.SOCIAL_SERVICE, officer=officer)
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
        for member in panel.members:
            for proposal in props[:n]:
                services.declare(member, proposal, False, "", actor=member.user)
    db.session.commit()
    assert call.status == CallStatus.CLOSED
    return call, props[:n], panel


def score_all(app, panel, props, *, unfinished=0):
    """Every member but the last `unfinished` submits a sheet on each proposal (the review started)."""
    with app.test_request_context():
        for member in panel.members[:len(panel.members) - unfinished]:
            for share, proposal in zip((80, 70), props, strict=False):
                sheet = score_sheets.sheet_for(member, proposal)
                score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * share // 100, "")
                                                 for c in panel.template.criteria}, actor=member.user)
                score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
    db.session.commit()


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def started_events(call) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "call.under_review", AuditEvent.target_type == "calls",
        AuditEvent.target_id == str(call.id)))


def tag(page: str, element_id: str) -> str:
    return re.search(rf'<[a-z]+[^>]*\sid="{element_id}"[^>]*>', page).group(0)


def test_a_closed_review_says_it_has_not_started_and_starts_from_the_results_page(app, client, officer, login_as):
    call, props, panel = closed_and_declared(app, officer)
    login_as(officer)
    page = html.unescape(client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).get_data(as_text=True))
    assert 'id="ranking"' in page and len(re.findall(r'<tr id="unscored-\d+"', page)) == 2  # listed, not scored
    assert NOT_STARTED in page and 'id="decide"' not in page
    # the one reason: nobody can score yet, so no sheet is "missing" and "nothing scored" is not a second reason
    assert 'id="missing-work"' not in page and 'id="nothing-scored"' not in page
    form = re.search(r'<form[^>]*id="start-review-form".*?</form>', page, re.S).group(0)
    assert f'action="/calls/{call.id}/status"' in form and 'name="csrf_token"' in form
    assert '<input type="hidden" name="back" value="results">' in form
    button = tag(form, "start-review")
    assert 'name="to" value="under_review"' in button and f'data-confirm="{START_CONFIRM}"' in button
    assert started_events(call) == 0

    # the no-JS path: the form posts without a dialog, and comes back to the results page
    response = client.post(f"/calls/{call.id}/status", data={"to": "under_review", "back": "results"}, headers=ZH)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/evaluation/calls/{call.id}/results")
    db.session.expire_all()
    assert call.status == CallStatus.UNDER_REVIEW and started_events(call) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call.under_review",
                                                       AuditEvent.target_id == str(call.id)))
    assert event.actor_id == officer.id and json.loads(event.data) == {"from": "closed", "to": "under_review",
                                                                        "reason": ""}

    page = html.unescape(client.get(response.headers["Location"], headers=ZH).get_data(as_text=True))
    assert "状态已变更为“评审中”" in page  # the flash, on the page it came back to
    assert NOT_STARTED not in page and 'id="start-review-form"' not in page and 'id="decide"' not in page
    assert 'id="nothing-scored"' in page  # the experts score now

    score_all(app, panel, props)
    page = html.unescape(client.get(response.headers["Location"], headers=ZH).get_data(as_text=True))
    assert len(re.findall(r'<tr id="ranked-\d+">', page)) == 2
    assert 'id="decide"' in page and 'id="decision-blocked"' not in page


def test_the_call_page_still_starts_the_review_and_stays_there(app, client, officer, login_as):
    call, _props, _panel = closed_and_declared(app, officer)
    login_as(officer)
    response = client.post(f"/calls/{call.id}/status", data={"to": "under_review"}, headers=ZH)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/calls/{call.id}")
    db.session.expire_all()
    assert call.status == CallStatus.UNDER_REVIEW and started_events(call) == 1


def test_starting_is_refused_to_anyone_but_an_officer_and_changes_nothing(app, client, officer, login_as):
    call, _props, panel = closed_and_declared(app, officer)
    member = panel.members[0].user
    applicant = make_user()
    url, data = f"/calls/{call.id}/status", {"to": "under_review", "back": "results"}

    response = client.post(url, data=data, headers=ZH)  # anonymous: to the login page
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for user in (member, applicant):
        login_as(user)
        assert client.post(url, data=data, headers=ZH).status_code == 403
        logout(client)
    db.session.expire_all()
    assert call.status == CallStatus.CLOSED and started_events(call) == 0

    login_as(member)  # an expert does not see the results page at all
    assert client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).status_code == 403
    logout(client)
    login_as(make_user(Role.AUDITOR))  # an auditor sees the ranking, and no action
    page = client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).get_data(as_text=True)
    assert 'id="ranking"' in page and 'id="start-review-form"' not in page and 'id="decide"' not in page


def test_each_reason_not_to_decide_is_named(app, client, officer, login_as):
    call, _props, panel = closed_and_declared(app, officer, unscreened=1)
    login_as(officer)
    page = html.unescape(client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).get_data(as_text=True))
    blocked = re.search(r'<section[^>]*id="decision-blocked".*?</section>', page, re.S).group(0)
    assert "暂时还不能定标" in blocked and NOT_STARTED in blocked
    # a proposal not yet screened: the transition would refuse, so the page says why instead of offering it
    assert 'id="start-review-form"' not in page
    refused = re.search(r'<p[^>]*id="start-refused">(.*?)</p>', blocked, re.S).group(1)
    assert UNSCREENED in refused and f'href="/calls/{call.id}/screening"' in refused
    assert 'id="missing-work"' not in page and 'id="decide"' not in page  # (named under review: below)


def test_under_review_with_sheets_missing_says_so_and_offers_no_start(app, client, officer, login_as):
    call, props, panel = closed_and_declared(app, officer)
    with app.test_request_context():
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer)
    db.session.commit()
    score_all(app, panel, props, unfinished=1)
    login_as(officer)
    page = html.unescape(client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).get_data(as_text=True))
    blocked = re.search(r'<section[^>]*id="decision-blocked".*?</section>', page, re.S).group(0)
    assert NOT_STARTED not in blocked and 'id="start-review-form"' not in page
    missing = re.search(r'<li id="missing-work">(.*?)</li>', blocked, re.S).group(1)
    assert missing.strip() == f"尚未完成声明或提交评分表：{panel.members[-1].user.display_name}。"
    assert 'id="decide"' not in page
