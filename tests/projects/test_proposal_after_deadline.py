"""After the submission deadline an organisation's draft page offers nothing that could only be refused (found by a
user-journey test: 修改草稿 and 提交申报书 stayed, and clicking showed the deadline error and the whole checklist)."""

import html
from datetime import timedelta

from core.db import db
from core.timeutil import utcnow
from projects import calls
from projects.enums import CallStatus

ZH = {"Accept-Language": "zh-CN"}
BUTTONS = ('id="edit-proposal"', 'id="submit-proposal"', 'action="/proposals/{id}/attachments"', 'id="problems"')



def past_deadline(call) -> None:
    call.questions_until = utcnow() - timedelta(days=2)
    call.submission_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()


def page_of(client, proposal) -> str:
    return html.unescape(client.get(f"/proposals/{proposal.id}", headers=ZH).get_data(as_text=True))


def test_before_the_deadline_the_draft_can_be_edited_and_submitted(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    page = page_of(client, proposal)
    for button in BUTTONS:
        assert button.format(id=proposal.id) in page
    assert 'id="closed"' not in page


def test_after_the_deadline_the_page_says_so_and_offers_no_edit_or_submit(client, login_as, draft):
    _officer, manager, call, proposal = draft
    past_deadline(call)
    login_as(manager)
    page = page_of(client, proposal)
    for button in BUTTONS:
        assert button.format(id=proposal.id) not in page
    assert "申报截止时间已过" in page.split('id="closed"', 1)[1].split("</div>", 1)[0]
    response = client.get(f"/proposals/{proposal.id}/edit", headers=ZH)
    assert response.status_code == 302 and response.location.endswith(f"/proposals/{proposal.id}")
    assert "申报截止时间已过" in html.unescape(client.get(response.location, headers=ZH).get_data(as_text=True))


def test_a_cancelled_call_offers_no_edit_or_submit_either(app, client, login_as, draft):
    officer, manager, call, proposal = draft
    with app.test_request_context():
        calls.transition_call(call, CallStatus.CANCELLED, actor=officer, reason="预算调整")
    db.session.commit()
    login_as(manager)
    page = page_of(client, proposal)
    for button in BUTTONS:
        assert button.format(id=proposal.id) not in page
    assert "该项目征集目前不接受申报。" in page
