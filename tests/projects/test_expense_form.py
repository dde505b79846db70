"""Recording an expense on the contract page: an amount is read as typed (¥, commas, full-width digits); a refusal
shows the page again (422) with what was typed and each reason beside its field, and nothing is recorded (it was a
flash above an emptied form)."""

import html

import pytest
from sqlalchemy import func, select

from core.db import db
from core.timeutil import local_today
from projects.contract_models import Expense
from tests.projects.contract_helpers import active_contract

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(app, session):
    _officer, manager, contract = active_contract(app)
    db.session.commit()
    return manager, contract


def post(client, contract, **fields):
    data = {"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(), "payee": "和平超市",
            "amount": "100", **fields}
    return client.post(f"/contracts/{contract.id}/expenses", headers=EN, data=data)


def test_an_amount_typed_with_a_chinese_keyboard_is_recorded(client, login_as, world):
    manager, contract = world
    login_as(manager)
    assert post(client, contract, amount="￥１，２００．５０").status_code == 302
    assert db.session.scalar(select(Expense.amount_fen)) == 120_050


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"amount": "一百"}, "amount", "Enter the amount in yuan, e.g. 800 or 800.50."),
    ({"payee": ""}, "payee", "Required."),
    ({"amount": "99999999"}, "amount", "Over the line's remaining budget."),
    ({"spent_on": "2000-01-01"}, "spent_on", "The date must fall within the contract period, and not in the future."),
])
def test_a_refusal_is_beside_its_field_with_the_rest_kept(client, login_as, world, fields, field, reason):
    manager, contract = world
    login_as(manager)
    response = post(client, contract, **{"payee": "和平超市", **fields})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert f'id="expense-{field}-error">{reason}<' in page
    assert f'aria-describedby="expense-{field}-error"' in page
    if field != "payee":
        assert 'value="和平超市"' in page
    assert db.session.scalar(select(func.count(Expense.id))) == 0
