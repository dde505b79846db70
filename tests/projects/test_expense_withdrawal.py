"""An expense recorded by mistake is withdrawn (with a reason) or corrected (a new expense, the old one withdrawn
"corrected by #new", together), never deleted nor edited: the row stays, listed struck through on the contract page,
in the money CSV and in the API's JSON (`withdrawn`), and counted in no total. Only a manager of the organisation may,
while the contract is active, once; each refusal changes nothing."""

import csv
import html
import io
import json
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from accounts.enums import Role
from audit.labels import action_label
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from orgs.models import Membership
from projects import contract_money, contracts
from projects.contract_models import Contract, ContractLine, Expense
from tests.factories import make_user
from tests.projects.contract_helpers import PNG_BYTES, bearer, build_active_contract, last_event

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def spent(app, contract_world):
    """The active contract with two expenses on its first line (¥500.00 with a receipt, ¥120.00) and one on its
    second (¥80.00): (officer, manager, contract, [the three expenses])."""
    officer, manager, contract = contract_world
    first, second = contract.lines[0], contract.lines[1]
    with app.test_request_context():
        receipt = FileStorage(io.BytesIO(PNG_BYTES), filename="发票.png", content_type="image/png")
        made = [contract_money.record_expense(contract, first, local_today(), "和平超市", 50_000, receipt,
                                              actor=manager),
                contract_money.record_expense(contract, first, local_today(), "重复登记", 12_000, None, actor=manager),
                contract_money.record_expense(contract, second, local_today(), "印刷厂", 8_000, None, actor=manager)]
    db.session.commit()
    return officer, manager, contract, made


def spent_on_lines(contract) -> list[int]:
    return list(db.session.scalars(select(ContractLine.spent_fen).where(ContractLine.contract_id == contract.id)
                                   .order_by(ContractLine.position)))


def state(contract) -> tuple:
    """What a refusal must leave as it was: the lines' spent amounts, the expenses as stored, the audit events."""
    db.session.expire_all()
    rows = db.session.execute(select(Expense.id, Expense.amount_fen, Expense.withdrawn_at, Expense.withdrawal_reason,
                                     Expense.replaced_by_id).where(Expense.contract_id == contract.id)
                              .order_by(Expense.id)).all()
    events = db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action.like("contract.%")))
    return spent_on_lines(contract), rows, events


# ---------------------------------------------------------------------------------------------------------- service

def test_a_withdrawal_keeps_the_row_gives_the_amount_back_and_is_audited(app, spent):
    _officer, manager, contract, (receipted, duplicate, _other) = spent
    assert spent_on_lines(contract)[:2] == [62_000, 8_000]
    with app.test_request_context():
        contract_money.withdraw_expense(duplicate, "  重复登记了一次  ", actor=manager)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Expense, duplicate.id)
    assert row is not None and row.amount_fen == 12_000 and row.payee == "重复登记"  # kept as it was recorded
    assert row.withdrawn and row.withdrawn_by_id == manager.id and row.withdrawal_reason == "重复登记了一次"
    assert row.withdrawn_at.utcoffset().total_seconds() == 0 and row.replaced_by_id is None
    assert spent_on_lines(contract)[:2] == [50_000, 8_000]
    assert db.session.get(Contract, contract.id).spent_fen == 58_000
    assert not db.session.get(Expense, receipted.id).withdrawn
    event = last_event("contract.expense_withdrawn")
    assert (event.actor_id, event.target_type, event.target_id) == (manager.id, "contracts", str(contract.id))
    data = json.loads(event.data)
    assert (data["expense_id"], data["amount_fen"], data["reason"]) == (duplicate.id, 12_000, "重复登记了一次")


@pytest.mark.parametrize(("reason", "why"), [("", "Say why the expense is withdrawn."),
                                             ("   ", "Say why the expense is withdrawn."),
                                             ("长" * 501, "At most 500 characters.")])
def test_a_withdrawal_without_a_fit_reason_is_refused_and_changes_nothing(app, spent, reason, why):
    _officer, manager, contract, (_receipted, duplicate, _other) = spent
    before = state(contract)
    with app.test_request_context(headers=EN), pytest.raises(ServiceError) as refused:
        contract_money.withdraw_expense(duplicate, reason, actor=manager)
    db.session.rollback()
    assert refused.value.status == 422 and refused.value.fields == {"reason": why}
    assert state(contract) == before


def test_withdrawing_twice_is_refused_the_second_time(app, spent):
    _officer, manager, contract, (_receipted, duplicate, _other) = spent
    with app.test_request_context():
        contract_money.withdraw_expense(duplicate, "重复", actor=manager)
    db.session.commit()
    before = state(contract)
    with app.test_request_context(headers=EN), pytest.raises(Conflict, match="already been withdrawn"):
        contract_money.withdraw_expense(db.session.get(Expense, duplicate.id), "再撤一次", actor=manager)
    db.session.rollback()
    assert state(contract) == before


def test_only_a_manager_of_the_organisation_may_withdraw(app, spent):
    officer, _manager, contract, (_receipted, duplicate, _other) = spent
    member = make_user()
    db.session.add(Membership(org_id=contract.org_id, user_id=member.id, role="member"))
    rival = db.session.scalar(select(Membership).where(Membership.org_id != contract.org_id,
                                                       Membership.role == "manager")).user
    db.session.commit()
    before = state(contract)
    for who in (officer, member, rival, make_user(Role.AUDITOR)):
        with app.test_request_context(headers=EN), pytest.raises(Forbidden, match="Only a manager"):
            contract_money.withdraw_expense(duplicate, "重复", actor=who)
        db.session.rollback()
    assert state(contract) == before


def test_no_withdrawal_nor_correction_once_the_contract_is_no_longer_active(app, spent):
    officer, manager, contract, (_receipted, duplicate, _other) = spent
    with app.test_request_context():
        contracts.transition_contract(contract, "terminated", actor=officer, reason="机构停止服务")
    db.session.commit()
    before = state(contract)
    with app.test_request_context(headers=EN), pytest.raises(Conflict, match="not active"):
        contract_money.withdraw_expense(duplicate, "重复", actor=manager)
    db.session.rollback()
    with app.test_request_context(headers=EN), pytest.raises(Conflict, match="not active"):
        contract_money.correct_expense(duplicate, contract.lines[0], local_today(), "重复登记", 100, None,
                                       actor=manager)
    db.session.rollback()
    assert state(contract) == before


def test_a_correction_records_the_new_and_withdraws_the_old_together(app, spent):
    _officer, manager, contract, (receipted, _duplicate, _other) = spent
    second = contract.lines[1]
    with app.test_request_context():
        new = contract_money.correct_expense(receipted, second, local_today(), "和平超市", 45_000, None,
                                             actor=manager)
    db.session.commit()
    db.session.expire_all()
    old = db.session.get(Expense, receipted.id)
    assert old.withdrawn and old.withdrawal_reason == f"corrected by #{new.id}" and old.replaced_by_id == new.id
    new = db.session.get(Expense, new.id)
    assert (new.line_id, new.amount_fen, new.withdrawn) == (second.id, 45_000, False)
    assert new.receipt_id == old.receipt_id is not None  # no new receipt chosen: the old one's kept
    assert spent_on_lines(contract)[:2] == [12_000, 8_000 + 45_000]
    data = json.loads(last_event("contract.expense_withdrawn").data)
    assert (data["expense_id"], data["amount_fen"], data["replaced_by"]) == (old.id, 50_000, new.id)
    assert data["reason"] == f"corrected by #{new.id}"
    assert json.loads(last_event("contract.expense_recorded").data)["amount_fen"] == 45_000


def test_a_correction_may_use_the_room_the_old_amount_held(app, contract_world):
    """A line spent to its budget: the corrected (larger) amount fits once the wrong one is given back."""
    _officer, manager, contract = contract_world
    line = contract.lines[0]
    with app.test_request_context():
        old = contract_money.record_expense(contract, line, local_today(), "供应商", line.budget_fen - 100, None,
                                            actor=manager)
        contract_money.correct_expense(old, line, local_today(), "供应商", line.budget_fen, None, actor=manager)
    db.session.commit()
    assert spent_on_lines(contract)[0] == line.budget_fen


@pytest.mark.parametrize(("payee", "amount", "field"), [("", 100, "payee"), ("供应商", 10**12, "amount")])
def test_a_refused_correction_changes_nothing(app, spent, payee, amount, field):
    _officer, manager, contract, (receipted, _duplicate, _other) = spent
    before = state(contract)
    with app.test_request_context(headers=EN), pytest.raises(ServiceError) as refused:
        contract_money.correct_expense(receipted, contract.lines[0], local_today(), payee, amount, None,
                                       actor=manager)
    db.session.rollback()  # (as the page and the API do on any refusal: the amount given back is undone too)
    assert set(refused.value.fields) == {field}
    assert state(contract) == before


# ------------------------------------------------------------------------------------------------------------ pages

def page(client, contract, **args):
    return client.get(f"/contracts/{contract.id}", query_string=args, headers=EN)


def expense_item(text: str, expense_id: int) -> str:
    found = re.search(rf'<li class="mb-3" id="expense-{expense_id}">(.*?)</li>', text, re.S)
    assert found, f"expense #{expense_id} is not listed"
    return html.unescape(found[1])


def test_the_page_withdraws_with_a_confirmation_and_shows_it_struck_through(client, login_as, spent):
    _officer, manager, contract, (_receipted, duplicate, _other) = spent
    login_as(manager)
    shown = page(client, contract).text
    item = expense_item(shown, duplicate.id)
    assert 'data-confirm="Withdraw expense #' in item and 'name="reason"' in item and f"correct={duplicate.id}" in item
    response = client.post(f"/contracts/expenses/{duplicate.id}/withdraw", data={"reason": "重复登记"}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contracts/{contract.id}")
    shown = page(client, contract).text
    item = expense_item(shown, duplicate.id)
    assert "<del" in item and "重复登记" in item and manager.display_name in item and "Withdrawn" in item
    assert 'name="reason"' not in item and "correct=" not in item  # nothing more to do to it
    lines = html.unescape(re.search(r'<table[^>]*id="lines">(.*?)</table>', shown, re.S)[1])
    assert "¥500.00" in lines and "¥620.00" not in lines  # the first line: ¥620.00 spent before, ¥500.00 now
    db.session.expire_all()
    assert db.session.get(Expense, duplicate.id).withdrawn


def test_the_page_refuses_an_empty_reason_beside_the_field_with_422(client, login_as, spent):
    _officer, manager, contract, (_receipted, duplicate, _other) = spent
    login_as(manager)
    before = state(contract)
    response = client.post(f"/contracts/expenses/{duplicate.id}/withdraw", data={"reason": " "}, headers=EN)
    assert response.status_code == 422
    item = expense_item(response.text, duplicate.id)
    assert f'id="withdraw-reason-{duplicate.id}-error">Say why the expense is withdrawn.<' in item
    assert 'aria-invalid="true"' in item and "<details class=\"mb-3\" open>" in response.text
    assert state(contract) == before


def test_the_page_refuses_a_second_withdrawal_in_the_readers_language(client, login_as, spent):
    _officer, manager, contract, (_receipted, duplicate, _other) = spent
    login_as(manager)
    assert client.post(f"/contracts/expenses/{duplicate.id}/withdraw", data={"reason": "重复"}).status_code == 302
    before = state(contract)
    response = client.post(f"/contracts/expenses/{duplicate.id}/withdraw", data={"reason": "重复"}, headers=ZH)
    assert response.status_code == 409 and "这笔支出已经撤回。" in response.text
    assert state(contract) == before


def test_who_may_withdraw_on_the_page(client, login_as, spent):
    """The officer and a member see the contract but may not (403); another organisation's manager does not see it
    (404); nothing changes."""
    officer, _manager, contract, (_receipted, duplicate, _other) = spent
    member = make_user()
    db.session.add(Membership(org_id=contract.org_id, user_id=member.id, role="member"))
    rival = db.session.scalar(select(Membership).where(Membership.org_id != contract.org_id,
                                                       Membership.role == "manager")).user
    db.session.commit()
    before = state(contract)
    for who, status in ((officer, 403), (member, 403), (rival, 404)):
        client.post("/logout")
        login_as(who)
        response = client.post(f"/contracts/expenses/{duplicate.id}/withdraw", data={"reason": "重复"})
        assert response.status_code == status, who
        if status == 403:  # and no button offered to them
            assert 'withdraw-form"' not in page(client, contract).text
    assert state(contract) == before


def test_the_correct_link_opens_the_form_filled_and_saving_corrects(client, login_as, spent):
    _officer, manager, contract, (receipted, _duplicate, _other) = spent
    login_as(manager)
    shown = html.unescape(page(client, contract, correct=receipted.id).text)
    form = re.search(r'<form[^>]*id="expense-form".*?</form>', shown, re.S)[0]
    assert f"Correct expense #{receipted.id}" in form and f"?correct={receipted.id}" in form
    assert 'value="和平超市"' in form and 'value="500.00"' in form and 'data-confirm="' in form
    assert f'<option value="{contract.lines[0].id}" selected>' in form
    response = client.post(f"/contracts/{contract.id}/expenses?correct={receipted.id}", headers=EN,
                           data={"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(),
                                 "payee": "和平超市", "amount": "450"})
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.scalar(select(Expense).order_by(Expense.id.desc()))
    old = db.session.get(Expense, receipted.id)
    assert old.replaced_by_id == new.id and new.amount_fen == 45_000
    assert spent_on_lines(contract)[0] == 12_000 + 45_000
    item = expense_item(page(client, contract).text, old.id)
    assert "<del" in item and f"Corrected by expense #{new.id}" in item


def test_a_refused_correction_on_the_page_keeps_the_form_in_correction_and_changes_nothing(client, login_as, spent):
    _officer, manager, contract, (receipted, _duplicate, _other) = spent
    login_as(manager)
    before = state(contract)
    response = client.post(f"/contracts/{contract.id}/expenses?correct={receipted.id}", headers=EN,
                           data={"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(),
                                 "payee": "", "amount": "450"})
    assert response.status_code == 422
    assert f"Correct expense #{receipted.id}" in response.text and 'id="expense-payee-error"' in response.text
    assert state(contract) == before


def test_a_correction_of_another_contracts_expense_is_not_found(app, client, login_as, spent):
    _officer, manager, contract, (receipted, _duplicate, _other) = spent
    login_as(manager)
    before = state(contract)
    response = client.post(f"/contracts/{contract.id}/expenses?correct=2000000000", headers=EN,
                           data={"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(),
                                 "payee": "和平超市", "amount": "1"})
    assert response.status_code == 404
    assert state(contract) == before


# -------------------------------------------------------------------------------------------------------------- API

def withdraw_url(contract, expense) -> str:
    return f"/api/v1/contracts/{contract.id}/expenses/{expense.id}/withdraw"


def test_the_api_withdraws_and_lists_it_withdrawn_and_uncounted(client, spent):
    _officer, manager, contract, (_receipted, duplicate, _other) = spent
    headers = bearer(manager)
    response = client.post(withdraw_url(contract, duplicate), json={"reason": "重复登记"}, headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == duplicate.id and body["amount_fen"] == 12_000
    assert body["withdrawn"]["reason"] == "重复登记" and body["withdrawn"]["by"] == manager.display_name
    assert body["withdrawn"]["replaced_by_id"] is None and body["withdrawn"]["at"].endswith("+00:00")
    listed = {e["id"]: e for e in client.get(f"/api/v1/contracts/{contract.id}/expenses",
                                             headers=headers).get_json()["items"]}
    assert len(listed) == 3 and listed[duplicate.id]["withdrawn"]["reason"] == "重复登记"
    assert all(listed[e.id]["withdrawn"] is None for e in spent[3] if e.id != duplicate.id)
    shown = client.get(f"/api/v1/contracts/{contract.id}", headers=headers).get_json()
    assert shown["lines"][0]["spent_fen"] == 50_000 and shown["spent_fen"] == 58_000


@pytest.mark.parametrize(("who", "body", "status", "field"), [
    ("manager", {"reason": ""}, 422, "reason"),
    ("manager", {}, 422, "reason"),
    ("manager", {"reason": 12}, 422, "reason"),
    ("officer", {"reason": "重复"}, 403, None),
    ("officer", {"reason": ""}, 403, None),  # (who may is asked first)
])
def test_api_refusals_change_nothing(client, spent, who, body, status, field):
    officer, manager, contract, (_receipted, duplicate, _other) = spent
    headers = bearer({"officer": officer, "manager": manager}[who])
    before = state(contract)
    response = client.post(withdraw_url(contract, duplicate), json=body, headers=headers)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["message"] and (set(error["fields"]) == {field} if field else True)
    assert state(contract) == before


def test_api_twice_is_a_409_and_another_contracts_expense_a_404(app, client, spent):
    _officer, manager, contract, (_receipted, duplicate, _other) = spent
    _officer2, manager2, other = build_active_contract(app)
    db.session.add(Membership(org_id=other.org_id, user_id=manager.id, role="manager"))  # (they may see both)
    db.session.commit()
    headers = bearer(manager)
    assert client.post(withdraw_url(contract, duplicate), json={"reason": "重复"}, headers=headers).status_code == 200
    before = state(contract)
    again = client.post(withdraw_url(contract, duplicate), json={"reason": "重复"}, headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "This expense has already been withdrawn."
    wrong = client.post(f"/api/v1/contracts/{other.id}/expenses/{duplicate.id}/withdraw", json={"reason": "重复"},
                        headers=headers)
    assert wrong.status_code == 404
    assert state(contract) == before


def test_api_tranches_carry_the_payment_reference_and_due_date(app, client, payable):
    officer, manager, contract, _report = payable
    with app.test_request_context():
        contract_money.pay_tranche(contract.tranches[0], "转账20261207", local_today(), actor=officer)
    db.session.commit()
    tranches = client.get(f"/api/v1/contracts/{contract.id}", headers=bearer(manager)).get_json()["tranches"]
    assert [t["reference"] for t in tranches] == ["转账20261207", "", ""]
    assert [t["due_on"] for t in tranches] == [m.due_on.isoformat() for m in contract.milestones] + [None]


# ------------------------------------------------------------------------------------------------------ CSV, audit

def test_the_money_csv_lists_withdrawn_expenses_apart_and_counts_them_in_no_total(app, client, login_as, spent):
    officer, manager, contract, (receipted, duplicate, _other) = spent
    with app.test_request_context():
        contract_money.withdraw_expense(duplicate, "重复登记", actor=manager)
        new = contract_money.correct_expense(receipted, contract.lines[0], local_today(), "和平超市", 45_000, None,
                                             actor=manager)
    db.session.commit()
    login_as(officer)
    raw = client.get(f"/contracts/{contract.id}/money.csv", buffered=True).get_data().decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.removeprefix("\ufeff"), newline="")))
    parts, current = [], []
    for row in rows:
        parts, current = (parts + [current], []) if row == [] else (parts, current + [row])
    heading, lines, expenses, _tranches, withdrawn = [*parts, current]
    assert dict(row[:2] for row in heading)["已支出（元）"] == "530.00"
    assert {row[0] for row in expenses[2:-1]} == {str(new.id), str(spent[3][2].id)}
    assert expenses[-1][0] == "合计" and expenses[-1][4] == "530.00"
    assert lines[-1][3] == "530.00"
    assert withdrawn[0] == ["已撤回的支出（不计入）"]
    assert withdrawn[1] == ["支出编号", "日期", "预算科目", "收款方", "金额（元）", "撤回时间", "撤回人", "原因"]
    by_id = {row[0]: row for row in withdrawn[2:]}
    assert set(by_id) == {str(receipted.id), str(duplicate.id)}
    assert by_id[str(duplicate.id)][4] == "120.00" and by_id[str(duplicate.id)][6:] == [manager.display_name,
                                                                                        "重复登记"]
    assert by_id[str(receipted.id)][7] == f"由 #{new.id} 号支出更正"
    assert '"withdrawn_expenses":2' in last_event("export.contract_money").data


def test_the_action_is_labelled_in_the_readers_language(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert action_label("contract.expense_withdrawn") == "撤回支出"
    with app.test_request_context(), force_locale("en"):
        assert action_label("contract.expense_withdrawn") == "Expense withdrawn"
