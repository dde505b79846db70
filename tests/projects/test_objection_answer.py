"""An officer's answer to an objection (质疑答复), refused: the call page again (422) with the typed answer in its
box and the reason beside it; the objection stays pending, the call in publicity, nothing audited (found by a
user-journey test: the typed answer was lost behind a redirect and a flash)."""

import html

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from projects import awards
from projects.enums import CallStatus
from tests.factories import make_user
from tests.projects.test_call_page_journey import element

ZH = {"Accept-Language": "zh-CN"}
ANSWER = "经复核，第三项指标评分与材料一致，质疑不成立。"


@pytest.fixture
def objected(app, in_publicity):
    """An objection pending on a call in publicity, and an officer to answer it: (officer, call, objection)."""
    call, loser, manager = in_publicity
    with app.test_request_context():
        objection = awards.lodge_objection(call, loser, "评分与我方材料不符，请复核第三项指标。", None, actor=manager)
    db.session.commit()
    return make_user(Role.OFFICER), call, objection


def answered_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "call.objection_answered"))


def assert_unchanged(call, objection):
    db.session.expire_all()
    assert objection.status == "pending" and objection.answer == "" and objection.answered_at is None
    assert call.status == CallStatus.PUBLICITY
    assert answered_events() == 0


def the_reason(page: str, box: str) -> str:
    return page.split(f'id="{box}-error"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize("typed, decision, reason", [
    ("   ", "rejected", "必填"),
    ("答" * 4001, "upheld", "4000"),
    (ANSWER, "", "请选择质疑是否成立"),
    (ANSWER, "maybe", "请选择质疑是否成立"),
])
def test_a_refused_answer_keeps_what_was_typed(client, login_as, objected, typed, decision, reason):
    officer, call, objection = objected
    login_as(officer)
    response = client.post(f"/calls/objections/{objection.id}/answer", headers=ZH,
                           data={"answer": typed, "decision": decision})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "请按提示修改标出的内容。" in page  # said at the top of the page
    box = element(page, "textarea", f"objection-answer-{objection.id}")
    assert typed.strip() in box and 'aria-invalid="true"' in box and "is-invalid" in box
    assert reason in the_reason(page, f"objection-answer-{objection.id}")
    assert_unchanged(call, objection)


def test_an_answer_to_an_objection_already_answered_is_refused(app, client, login_as, objected):
    officer, call, objection = objected
    other = make_user(Role.OFFICER)
    login_as(officer)
    client.get(f"/calls/{call.id}")  # the officer opens the page; another officer answers meanwhile
    with app.test_request_context():
        awards.answer_objection(objection, False, "已由另一位经办人答复。", actor=other)
    db.session.commit()
    response = client.post(f"/calls/objections/{objection.id}/answer", headers=ZH,
                           data={"answer": ANSWER, "decision": "upheld"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "该质疑已答复。" in page
    db.session.expire_all()
    assert objection.status == "rejected" and objection.answer == "已由另一位经办人答复。"
    assert call.status == CallStatus.PUBLICITY  # the second officer's "uphold" did not send it back to review


def test_only_the_answered_box_is_marked(app, client, login_as, objected, in_publicity):
    officer, call, objection = objected
    _call, loser, manager = in_publicity
    with app.test_request_context():
        second = awards.lodge_objection(call, loser, "第二项质疑：公示材料缺少评分明细。", None, actor=manager)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/calls/objections/{objection.id}/answer", headers=ZH, data={"answer": " "})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "is-invalid" not in element(page, "textarea", f"objection-answer-{second.id}")
    assert f'id="objection-answer-{second.id}-error"' not in page


@pytest.mark.parametrize("decision, status, call_status", [
    ("rejected", "rejected", CallStatus.PUBLICITY), ("upheld", "upheld", CallStatus.UNDER_REVIEW)])
def test_a_good_answer_is_published(client, login_as, objected, decision, status, call_status):
    officer, call, objection = objected
    login_as(officer)
    response = client.post(f"/calls/objections/{objection.id}/answer", data={"answer": ANSWER, "decision": decision})
    assert response.status_code == 302
    db.session.expire_all()
    assert objection.status == status and objection.answer == ANSWER
    assert call.status == call_status
    assert answered_events() == 1


def test_only_an_officer_answers(client, login_as, objected, in_publicity):
    _officer, call, objection = objected
    login_as(in_publicity[2])
    response = client.post(f"/calls/objections/{objection.id}/answer", data={"answer": ANSWER, "decision": "upheld"})
    assert response.status_code == 403
    assert_unchanged(call, objection)
