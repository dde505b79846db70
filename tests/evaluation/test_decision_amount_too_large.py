"""The award decision form: an amount above the largest taken (core.money.MAX_FEN) is said to be too large, with
the most taken, beside its box, as every money field says it (core.forms.MoneyField); it was told to "enter an
amount in yuan", which 10^20 is. The page keeps what was typed, and nothing is decided."""

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from projects.award_models import AwardDecision
from projects.enums import CallStatus
from tests.evaluation.helpers import fully_scored
from tests.evaluation.test_decision_form import BAD_AMOUNT, _beside, _input
from tests.factories import make_user


@pytest.mark.parametrize(("typed", "language", "said"), [
    ("100000000000000000000", "zh-CN", "金额过大，最多为 ¥10,000,000,000,000.00。"),
    ("10,000,000,000,000.01", "en", "The amount is too large: at most ¥10,000,000,000,000.00."),
    ("-5", "zh-CN", "请填写大于 0 的金额。"),  # a number too, below zero: said so, as every money field says it
])
def test_a_huge_award_amount_is_said_to_be_too_large(app, client, login_as, typed, language, said):
    officer = make_user(Role.OFFICER)
    call, _orgs, props, _ranking = fully_scored(app, officer)
    db.session.commit()
    login_as(officer)
    top, second = props[2], props[0]  # ranked 1 and 2
    response = client.post(f"/evaluation/calls/{call.id}/decision", headers={"Accept-Language": language}, data={
        f"award_{top.id}": "y", f"amount_{top.id}": typed, f"award_{second.id}": "y",
        f"amount_{second.id}": "150000", "working_days": "5", "reason": "只设两个名额"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert said in _beside(page, f"amount_{top.id}") and BAD_AMOUNT not in page
    assert _beside(page, f"amount_{second.id}") == ""
    assert f'value="{typed}"' in _input(page, f"amount_{top.id}")
    assert call.status == CallStatus.UNDER_REVIEW
    assert db.session.scalar(select(func.count(AwardDecision.id)).where(AwardDecision.call_id == call.id)) == 0
