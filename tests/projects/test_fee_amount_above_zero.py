"""A fee's amount of "-500" on the progress report form says that it must be above zero, as "0" does, beside the
fee's row, the amount kept as typed (it said to enter an amount in yuan, which -500 is); nothing is saved."""

import html
import re

import pytest

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract, counts

EN = {"Accept-Language": "en"}
ABOVE_ZERO = "Fee row 1: Enter an amount above zero."
IN_YUAN = "Enter the amount in yuan, e.g. 800 or 800.50."


@pytest.fixture
def world(app, session):
    _officer, manager, contract = active_contract(app)
    recipient = make_user(Role.EVALUATOR)
    db.session.commit()
    return manager, contract, recipient


@pytest.mark.parametrize("amount", ["-500", "－５００", "-¥500.50", "0"])
def test_a_fee_not_above_zero_is_said_to_be_so_beside_its_row(client, login_as, world, amount):
    manager, contract, recipient = world
    login_as(manager)
    before = counts()
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN, data={
        "narrative": "第一阶段：开展健康讲座，发放专家费。", "fee-0-kind": "expert_fee",
        "fee-0-username": recipient.username, "fee-0-amount": amount, "fee-0-paid_on": local_today().isoformat()})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    beside = re.search(r'id="fee-0-error"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert ABOVE_ZERO in beside and IN_YUAN not in page
    assert re.search(rf'<input[^>]*name="fee-0-amount"[^>]*value="{re.escape(amount)}"', page)
    assert counts() == before


def test_an_amount_that_is_no_number_still_asks_for_yuan(client, login_as, world):
    manager, contract, recipient = world
    login_as(manager)
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN, data={
        "narrative": "第一阶段：开展健康讲座，发放专家费。", "fee-0-kind": "expert_fee",
        "fee-0-username": recipient.username, "fee-0-amount": "-五百", "fee-0-paid_on": local_today().isoformat()})
    assert response.status_code == 422
    beside = re.search(r'id="fee-0-error"[^>]*>(.*?)</div>', html.unescape(response.get_data(as_text=True)), re.S)
    assert IN_YUAN in beside.group(1) and "above zero" not in beside.group(1)
