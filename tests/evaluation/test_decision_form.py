"""The award decision form on the results page: a refusal keeps what the officer typed (ticks, amounts, days,
reasons) and says each field's own problem beside it (it used to reset everything to the recommendation, with one
message implying a well-formed amount was badly written); after the decision the page says what was decided and
what comes next, and no longer offers what would be refused (reopening sheets, deciding again)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db, utcnow
from projects import awards
from projects.award_models import AwardDecision
from projects.enums import CallStatus
from tests.evaluation.helpers import fully_scored
from tests.factories import make_user

ABOVE_REQUEST = "金额须大于零，且不超过申请金额。"
NOT_DIGITS = "请用阿拉伯数字填写工作日天数（1 到 30）。"
BAD_AMOUNT = "请以元为单位填写金额，最多两位小数。"
NEEDS_REASON = "定标结果与排名不一致，请说明理由。"


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _beside(page: str, name: str) -> str:
    """The error shown beside a field (empty when there is none)."""
    found = re.search(rf'id="{name}-error"[^>]*>(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


def _input(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)


def _scored(app, officer, login_as):
    call, _orgs, props, _ranking = fully_scored(app, officer)
    db.session.commit()
    login_as(officer)
    top, second, third = props[2], props[0], props[1]  # ranked 1, 2, 3; each requested 150,000 yuan
    return call, top, second, third


def _decisions(call) -> int:
    return db.session.scalar(select(func.count(AwardDecision.id)).where(AwardDecision.call_id == call.id))


def test_a_refused_decision_keeps_what_was_typed_and_says_each_fields_own_problem(app, client, officer, login_as):
    call, top, second, third = _scored(app, officer, login_as)
    response = client.post(f"/evaluation/calls/{call.id}/decision", data={
        f"award_{top.id}": "y", f"amount_{top.id}": "200000", f"award_{second.id}": "y",
        f"amount_{second.id}": "120000.50", f"amount_{third.id}": "150000", "working_days": "五", "reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # 200000 is well formed, only above the request; 五 is the days' problem, not the amount's
    assert ABOVE_REQUEST in _beside(page, f"amount_{top.id}") and BAD_AMOUNT not in page
    assert NOT_DIGITS in _beside(page, "working_days")
    assert NEEDS_REASON in _beside(page, "reason")  # the third, recommended, is not ticked
    assert _beside(page, f"amount_{second.id}") == "" and _beside(page, f"amount_{third.id}") == ""
    assert 'value="200000"' in _input(page, f"amount_{top.id}")
    assert 'value="120000.50"' in _input(page, f"amount_{second.id}")
    assert 'value="五"' in _input(page, "working_days")
    assert "checked" in _input(page, f"award_{top.id}") and "checked" in _input(page, f"award_{second.id}")
    assert "checked" not in _input(page, f"award_{third.id}")
    assert call.status == CallStatus.UNDER_REVIEW and _decisions(call) == 0

    response = client.post(f"/evaluation/calls/{call.id}/decision", data={
        f"award_{top.id}": "y", f"amount_{top.id}": "8万", f"award_{second.id}": "y",
        f"amount_{second.id}": "150000", f"award_{third.id}": "y", f"amount_{third.id}": "150000",
        "working_days": "7", "reason": "第三名的服务范围与本项目重叠"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert BAD_AMOUNT in _beside(page, f"amount_{top.id}") and _beside(page, "working_days") == ""
    assert 'value="8万"' in _input(page, f"amount_{top.id}") and 'value="7"' in _input(page, "working_days")
    assert "第三名的服务范围与本项目重叠</textarea>" in page
    assert _decisions(call) == 0


def test_after_the_decision_the_page_says_what_was_decided_and_what_comes_next(app, client, officer, login_as):
    call, top, second, third = _scored(app, officer, login_as)
    page = client.get(f"/evaluation/calls/{call.id}/results").get_data(as_text=True)
    assert "/sheets/reopen" in page and 'id="decide"' in page and 'id="decision-summary"' not in page
    response = client.post(f"/evaluation/calls/{call.id}/decision", data={
        f"award_{top.id}": "y", f"amount_{top.id}": "150000", f"award_{second.id}": "y",
        f"amount_{second.id}": "140000", "working_days": "5", "reason": "只设两个名额"})
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.status == CallStatus.PUBLICITY
    page = client.get(f"/evaluation/calls/{call.id}/results").get_data(as_text=True)
    summary = page.split('id="decision-summary"', 1)[1].split("</section>", 1)[0]
    assert top.org.name in summary and second.org.name in summary and "¥140,000.00" in summary
    assert "拟确定承接方" in summary and "只设两个名额" in summary
    assert str(awards.active_publicity(call).ends_on) in summary  # the next step: publicity until then
    assert "/sheets/reopen" not in page and "退回重评" not in page and 'id="decide"' not in page
    assert "/contracts/new/" not in page  # no contract before the publicity ends

    with app.test_request_context():
        assert awards.finish_if_due(call, now=utcnow() + timedelta(days=60))
    db.session.commit()
    page = client.get(f"/evaluation/calls/{call.id}/results").get_data(as_text=True)
    summary = page.split('id="decision-summary"', 1)[1].split("</section>", 1)[0]
    assert "已确定承接方" in summary and "拟确定承接方" not in summary
    decisions = db.session.scalars(select(AwardDecision).where(AwardDecision.call_id == call.id,
                                                               AwardDecision.awarded)).all()
    for decision in decisions:  # the next step: a contract with each provider
        assert f"/contracts/new/{decision.id}" in summary


def test_each_amount_is_offered_as_typed_back_the_request_in_yuan_without_separators(app, client, officer, login_as):
    call, top, second, third = _scored(app, officer, login_as)
    page = client.get(f"/evaluation/calls/{call.id}/results").get_data(as_text=True)
    for proposal in (top, second, third):  # core.money.input_text, as parse_yuan reads it back
        assert 'value="150000.00"' in _input(page, f"amount_{proposal.id}")


def test_amounts_and_days_are_read_as_a_chinese_user_types_them(app, client, officer, login_as):
    """'¥150,000', a full-width '１４０ ０００．５元' grouped by a thin space and '１０' working days are what they say
    (core.money, core.numbers); a badly grouped amount is still refused beside it."""
    call, top, second, _third = _scored(app, officer, login_as)
    refused = client.post(f"/evaluation/calls/{call.id}/decision", data={
        f"award_{top.id}": "y", f"amount_{top.id}": "15,0000", "working_days": "1,0", "reason": "只设一个名额"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and BAD_AMOUNT in _beside(page, f"amount_{top.id}")
    assert NOT_DIGITS in _beside(page, "working_days") and _decisions(call) == 0
    response = client.post(f"/evaluation/calls/{call.id}/decision", data={
        f"award_{top.id}": "y", f"amount_{top.id}": "¥150,000", f"award_{second.id}": "y",
        f"amount_{second.id}": "１４０\u2009０００．５元", "working_days": "１０", "reason": "只设两个名额"})
    assert response.status_code == 302
    amounts = dict(db.session.execute(select(AwardDecision.proposal_id, AwardDecision.amount_fen)
                                      .where(AwardDecision.call_id == call.id)).all())
    assert amounts[top.id] == 15_000_000 and amounts[second.id] == 14_000_050
    assert awards.active_publicity(call).working_days == 10
