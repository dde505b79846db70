"""Tranches: their one transition (projects.tranches.transition_tranche, TRANCHE_TRANSITIONS), and an officer's
deduction (扣减) from a tranche not yet paid: what is left is paid (and counted for the two-person rule), the
contract amount stays, refusals change nothing, the organisation is told, the contract page and the close-out
account show it to the fen."""

import json

import pytest
from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from projects import contract_money, contracts
from projects.contract_closeout import closeout_account
from projects.contract_models import ContractStatus, TrancheStatus
from projects.tranches import DEDUCTED, deduct_tranche, transition_tranche
from tests.projects.contract_helpers import accepted_report, last_event

EN = {"Accept-Language": "en"}
FIRST = 4_800_000  # the payable first tranche: 40% of ¥120,000


def test_the_table_refuses_a_paid_tranche_going_back(app, payable):
    officer, _manager, contract, _report = payable
    tranche = contract.tranches[0]
    with app.test_request_context():
        contract_money.pay_tranche(tranche, "转账001", local_today(), actor=officer)
        with pytest.raises(Conflict):
            transition_tranche(tranche, TrancheStatus.PAYABLE, actor=officer, event="contract.tranche_paid")
        with pytest.raises(Conflict):  # pending → paid skips payable
            transition_tranche(
                contract.tranches[1], TrancheStatus.PAID, actor=officer, reference="x", paid_on=local_today()
            )
    db.session.expire_all()
    assert tranche.status == TrancheStatus.PAID and contract.tranches[1].status == TrancheStatus.PENDING
    paid = json.loads(last_event("contract.tranche_paid").data)
    assert paid["tranche_id"] == tranche.id and paid["amount_fen"] == FIRST and paid["reference"] == "转账001"


def test_a_deduction_is_not_paid_audited_and_told(app, payable):
    officer, manager, contract, _report = payable
    tranche = contract.tranches[0]
    with app.test_request_context():
        assert deduct_tranche(tranche, "1,234.56", " 第二期产出未达成 ", actor=officer) == 123_456
        deduct_tranche(tranche, 100, "活动少一场", actor=officer)
    db.session.commit()
    db.session.expire_all()
    assert (tranche.amount_fen, tranche.deducted_fen, tranche.due_fen) == (FIRST, 123_556, FIRST - 123_556)
    assert tranche.deduction_reason == "第二期产出未达成\n活动少一场" and contract.amount_fen == 12_000_000
    data = json.loads(last_event(DEDUCTED).data)
    assert data == {
        "tranche_id": tranche.id,
        "deducted_fen": 100,
        "before_fen": FIRST - 123_456,
        "after_fen": FIRST - 123_556,
        "reason": "活动少一场",
    }
    note = db.session.scalar(
        select(Notification)
        .where(Notification.user_id == manager.id, Notification.code == DEDUCTED)
        .order_by(Notification.id)
    )
    assert note is not None and json.loads(note.data)["amount"] == "¥1,234.56"
    with app.test_request_context():
        contract_money.pay_tranche(tranche, "转账002", local_today(), actor=officer)
    db.session.commit()
    db.session.expire_all()
    assert contract.paid_fen == FIRST - 123_556
    assert json.loads(last_event("contract.tranche_paid").data)["amount_fen"] == FIRST - 123_556


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        ("0", "理由", "amount"),
        ("-5", "理由", "amount"),
        ("abc", "理由", "amount"),
        ("48000.01", "理由", "amount"),
        ("100", "  ", "reason"),
        ("100", "长" * 501, "reason"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(app, payable, amount, reason, field):
    officer, _manager, contract, _report = payable
    tranche = contract.tranches[0]
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        deduct_tranche(tranche, amount, reason, actor=officer)
    assert field in refused.value.fields
    db.session.rollback()
    db.session.expire_all()
    assert tranche.deducted_fen == 0 and last_event(DEDUCTED) is None


def test_no_deduction_by_a_manager_on_a_paid_tranche_nor_once_the_contract_ended(app, payable):
    officer, manager, contract, _report = payable
    first, second = contract.tranches[0], contract.tranches[1]
    with app.test_request_context():
        with pytest.raises(Forbidden):
            deduct_tranche(first, 100, "理由", actor=manager)
        deduct_tranche(second, 100, "尚未到期也可扣减", actor=officer)  # pending: allowed
        contract_money.pay_tranche(first, "转账001", local_today(), actor=officer)
        with pytest.raises(Conflict):
            deduct_tranche(first, 100, "理由", actor=officer)
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="终止")
        with pytest.raises(Conflict):
            deduct_tranche(contract.tranches[2], 100, "理由", actor=officer)
    db.session.expire_all()
    assert (first.deducted_fen, second.deducted_fen, contract.tranches[2].deducted_fen) == (0, 100, 0)
    assert second.status == TrancheStatus.CANCELLED


def test_the_two_person_rule_applies_to_what_is_left(app, payable):
    officer, _manager, contract, _report = payable
    tranche = contract.tranches[0]
    previous = app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"]
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = 4_000_000
    try:
        with app.test_request_context():
            assert contract_money.needs_second_officer(tranche)
            contract_money.approve_tranche(tranche, actor=officer)
            deduct_tranche(tranche, 100, "少一场", actor=officer)  # still above: the approval is for another sum
            db.session.expire_all()
            assert tranche.approved_by_id is None and contract_money.needs_second_officer(tranche)
            deduct_tranche(tranche, 800_000, "产出未达成", actor=officer)  # ¥39,999 left: one officer pays
            assert not contract_money.needs_second_officer(tranche)
            contract_money.pay_tranche(tranche, "转账001", local_today(), actor=officer)
    finally:
        app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = previous
    assert json.loads(last_event(DEDUCTED).data).get("approval_withdrawn") is None
    assert contract.paid_fen == FIRST - 800_100


def test_the_contract_page_form_refuses_beside_fields_and_shows_the_deduction(app, payable, client, login_as):
    officer, _manager, contract, _report = payable
    tranche = contract.tranches[0]
    login_as(officer)
    url = f"/tranches/{tranche.id}/deduct"
    page = client.get(f"/contracts/{contract.id}", headers=EN).get_data(as_text=True)
    assert f'action="/contracts{url}"' in page
    refused = client.post(f"/contracts{url}", data={"amount": "50000", "reason": ""}, headers=EN)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="deduct-amount-{tranche.id}-error"' in body and f'id="deduct-reason-{tranche.id}-error"' in body
    assert 'value="50000"' in body
    db.session.expire_all()
    assert tranche.deducted_fen == 0
    done = client.post(f"/contracts{url}", data={"amount": "500", "reason": "一项产出未达成"}, headers=EN)
    assert done.status_code == 302
    page = client.get(f"/contracts/{contract.id}", headers=EN).get_data(as_text=True)
    assert "¥48,000.00 agreed, ¥500.00 deducted, ¥47,500.00 to pay" in page and "一项产出未达成" in page


def test_the_close_out_account_counts_deductions_to_the_fen(app, payable, client, login_as):
    officer, manager, contract, _report = payable
    with app.test_request_context():
        deduct_tranche(contract.tranches[0], 12_345, "部分交付", actor=officer)
        contract_money.pay_tranche(contract.tranches[0], "转账001", local_today(), actor=officer)
        deduct_tranche(contract.tranches[1], 67, "产出未达成", actor=officer)
    accepted_report(app, contract, officer, manager, index=1)
    with app.test_request_context():
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="终止")
    db.session.commit()
    db.session.expire_all()
    with app.test_request_context():
        account = closeout_account(contract)
    assert account.deducted_fen == 12_412 and account.paid_fen == FIRST - 12_345
    assert account.cancelled_fen == 3_600_000 - 67 + 3_600_000 and account.payable_cancelled_fen == 3_600_000 - 67
    assert account.paid_fen + account.cancelled_fen + account.unpaid_fen + account.deducted_fen == contract.amount_fen
    login_as(officer)
    page = client.get(f"/contracts/{contract.id}/closeout", headers=EN).get_data(as_text=True)
    assert 'id="account-deducted">¥124.12<' in page and "deducted ¥123.45, for: 部分交付" in page
