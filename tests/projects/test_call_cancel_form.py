"""On an open call's page the officer's cancel form (its reason box and button) is no longer the first thing on the
page: it sits in a collapsed "Cancel this call…" section after the call's details, working without JavaScript and
asking first; a cancel refused for want of a reason shows that section opened, the reason beside the box (422)."""

import re
from datetime import timedelta

from accounts.enums import Role
from core.db import db
from projects import calls, proposals
from projects.enums import CallStatus, ProposalStatus
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH = {"Accept-Language": "zh-CN"}


def _cancel_section(page: str) -> str:
    return re.search(r'<details[^>]*id="cancel-call"[^>]*>.*?</details>', page, re.S).group(0)


def test_the_cancel_form_is_collapsed_after_the_calls_details(client, app, session, login_as):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/calls/{call.id}", headers=ZH).get_data(as_text=True)
    section = _cancel_section(page)
    assert re.match(r"<details[^>]*>", section).group(0).find(" open") == -1  # collapsed
    assert "<summary" in section and "取消此项目征集…" in section
    assert 'name="reason"' in section and 'value="cancelled"' in section
    assert 'data-confirm="确定取消此项目征集吗？此操作无法撤销。"' in section
    assert page.count('name="reason"') == 1  # no reason box anywhere else on an open call
    assert page.index('id="cancel-call"') > page.index('class="call-description"')
    assert page.index('id="cancel-call"') > page.index('id="deadline"')

    refused = client.post(f"/calls/{call.id}/status", headers=ZH, data={"to": "cancelled", "reason": "  "})
    assert refused.status_code == 422
    section = _cancel_section(refused.get_data(as_text=True))
    assert re.match(r"<details[^>]*>", section).group(0).endswith(" open>")
    assert re.search(r'id="reason-error".*?请填写原因。', section, re.S)
    assert 'aria-invalid="true"' in section
    db.session.refresh(call)
    assert call.status == CallStatus.PUBLISHED

    done = client.post(f"/calls/{call.id}/status", headers=ZH, data={"to": "cancelled", "reason": "预算调整"})
    assert done.status_code == 302
    db.session.refresh(call)
    assert call.status == CallStatus.CANCELLED
    assert 'id="cancel-call"' not in client.get(f"/calls/{call.id}", headers=ZH).get_data(as_text=True)


def test_a_closed_call_keeps_its_review_and_failure_at_the_top_and_cancels_below(client, app, session, login_as):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer)
        manager = make_user()
        proposal = ready_proposal(call, good_org(manager, officer), manager)
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
        calls.close_if_due(call, now=call.submission_deadline + timedelta(minutes=1))
    db.session.commit()
    login_as(officer)
    page = client.get(f"/calls/{call.id}", headers=ZH).get_data(as_text=True)
    assert call.status == CallStatus.CLOSED
    top = page[:page.index('class="call-description"')]
    assert 'value="under_review"' in top and 'value="failed"' in top and 'value="cancelled"' not in top
    assert 'id="failure-reason" name="reason"' in top  # a failure's reason is told to the applicants
    assert 'value="cancelled"' in _cancel_section(page) and page.count('id="reason"') == 1
