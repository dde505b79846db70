"""An expense corrected over the API, as on the contract page: POST the right one to the wrong one's `correct` and the
new expense is recorded and the old one withdrawn ("corrected by #new", `withdrawn.replaced_by_id`), together. Over
the API a manager could only withdraw it and record the right one in two requests, with a moment between them when
neither was counted, and nothing linking the two. Same refusals as withdrawing, each changing nothing."""

import json

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from orgs.models import Membership
from projects import contracts
from projects.contract_models import ContractLine, Expense
from tests.factories import make_user
from tests.projects.contract_helpers import bearer, build_active_contract, last_event
from tests.projects.test_expense_withdrawal import spent, spent_on_lines, state  # noqa: F401  (spent: the fixture)


def correct_url(contract, expense) -> str:
    return f"/api/v1/contracts/{contract.id}/expenses/{expense.id}/correct"


def right_one(contract, line: int = 0, **changes) -> dict:
    return {"line_id": contract.lines[line].id, "spent_on": local_today().isoformat(), "payee": "和平超市",
            "amount_fen": 45_000, **changes}


def test_a_correction_answers_the_new_expense_and_withdraws_the_old_one_pointing_to_it(client, spent):  # noqa: F811
    _officer, manager, contract, (receipted, duplicate, other) = spent
    headers = bearer(manager)
    response = client.post(correct_url(contract, receipted), json=right_one(contract), headers=headers)
    assert response.status_code == 201
    new = response.get_json()
    assert new["id"] not in {e.id for e in spent[3]} and new["amount_fen"] == 45_000 and new["payee"] == "和平超市"
    assert new["line_id"] == contract.lines[0].id and new["withdrawn"] is None
    assert new["has_receipt"]  # the old one's receipt, none being sent
    listed = {e["id"]: e for e in client.get(f"/api/v1/contracts/{contract.id}/expenses",
                                             headers=headers).get_json()["items"]}
    old = listed[receipted.id]["withdrawn"]
    assert old["replaced_by_id"] == new["id"] and old["reason"] == f"corrected by #{new['id']}"
    assert old["by"] == manager.display_name and listed[receipted.id]["amount_fen"] == 50_000  # kept as recorded
    assert listed[duplicate.id]["withdrawn"] is None and listed[other.id]["withdrawn"] is None
    assert spent_on_lines(contract)[:2] == [12_000 + 45_000, 8_000]  # the old amount no longer counted
    shown = client.get(f"/api/v1/contracts/{contract.id}", headers=headers).get_json()
    assert shown["spent_fen"] == 12_000 + 45_000 + 8_000
    withdrawn = json.loads(last_event("contract.expense_withdrawn").data)
    assert (withdrawn["expense_id"], withdrawn["replaced_by"]) == (receipted.id, new["id"])
    assert json.loads(last_event("contract.expense_recorded").data)["amount_fen"] == 45_000


def test_a_correction_may_move_the_expense_to_another_line(client, spent):  # noqa: F811
    _officer, manager, contract, (_receipted, duplicate, _other) = spent
    response = client.post(correct_url(contract, duplicate), json=right_one(contract, 1, amount_fen=12_000),
                           headers=bearer(manager))
    assert response.status_code == 201 and response.get_json()["line_id"] == contract.lines[1].id
    assert not response.get_json()["has_receipt"]  # (the old one had none)
    assert spent_on_lines(contract)[:2] == [50_000, 8_000 + 12_000]


def over_budget(contract, old) -> int:
    """One fen more than the first line can take once the old expense's amount is given back to it."""
    line = db.session.get(ContractLine, contract.lines[0].id)
    return line.budget_fen - line.spent_fen + old.amount_fen + 1


@pytest.mark.parametrize(("who", "changes", "status", "field"), [
    ("officer", {}, 403, None),
    ("officer", {"payee": ""}, 403, None),  # (who may is asked first, whatever the body holds)
    ("member", {}, 403, None),
    ("auditor", {}, 403, None),
    ("rival", {}, 404, None),  # a manager of another organisation may not see the contract
    ("manager", {"payee": ""}, 422, "payee"),
    ("manager", {"payee": "长" * 101}, 422, "payee"),
    ("manager", {"amount_fen": 0}, 422, "amount_fen"),
    ("manager", {"amount_fen": "450"}, 422, "amount_fen"),
    ("manager", {"amount_fen": True}, 422, "amount_fen"),
    ("manager", {"spent_on": "2026-13-01"}, 422, "spent_on"),
    ("manager", {"spent_on": "2000-01-01"}, 422, "spent_on"),  # before the contract period
    ("manager", {"line_id": 2**40}, 422, "line_id"),
    ("manager", {"line_id": None}, 422, "line_id"),
    ("manager", {"amount_fen": "over"}, 409, "amount_fen"),  # over the line's budget, even with the old amount back
])
def test_refusals_change_nothing(app, client, spent, who, changes, status, field):  # noqa: F811
    officer, manager, contract, (receipted, _duplicate, _other) = spent
    member = make_user()
    db.session.add(Membership(org_id=contract.org_id, user_id=member.id, role="member"))
    rival = db.session.scalar(select(Membership).where(Membership.org_id != contract.org_id,
                                                       Membership.role == "manager")).user
    db.session.commit()
    users = {"officer": officer, "manager": manager, "member": member, "rival": rival,
             "auditor": make_user(Role.AUDITOR)}
    if changes.get("amount_fen") == "over":
        changes = {"amount_fen": over_budget(contract, receipted)}
    headers = bearer(users[who])
    before = state(contract)
    response = client.post(correct_url(contract, receipted), json=right_one(contract, **changes), headers=headers)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["message"] and (set(error["fields"]) == {field} if field else True)
    assert state(contract) == before  # the lines' amounts, the expenses and the audit trail as they were


def test_another_contracts_line_or_expense_is_refused(app, client, spent):  # noqa: F811
    _officer, manager, contract, (receipted, _duplicate, _other) = spent
    _officer2, _manager2, other = build_active_contract(app)
    db.session.add(Membership(org_id=other.org_id, user_id=manager.id, role="manager"))  # (they may see both)
    db.session.commit()
    headers = bearer(manager)
    before = state(contract)
    foreign_line = client.post(correct_url(contract, receipted), json=right_one(contract, line_id=other.lines[0].id),
                               headers=headers)
    assert foreign_line.status_code == 422 and set(foreign_line.get_json()["error"]["fields"]) == {"line_id"}
    wrong = client.post(f"/api/v1/contracts/{other.id}/expenses/{receipted.id}/correct", json=right_one(other),
                        headers=headers)
    assert wrong.status_code == 404
    missing = client.post(f"/api/v1/contracts/{contract.id}/expenses/2000000000/correct", json=right_one(contract),
                          headers=headers)
    assert missing.status_code == 404
    assert state(contract) == before


def test_correcting_twice_or_a_withdrawn_expense_is_a_409(client, spent):  # noqa: F811
    _officer, manager, contract, (receipted, duplicate, _other) = spent
    headers = bearer(manager)
    first = client.post(correct_url(contract, receipted), json=right_one(contract), headers=headers)
    assert first.status_code == 201
    before = state(contract)
    again = client.post(correct_url(contract, receipted), json=right_one(contract, amount_fen=40_000),
                        headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "This expense has already been withdrawn."
    withdraw = client.post(f"/api/v1/contracts/{contract.id}/expenses/{receipted.id}/withdraw",
                           json={"reason": "重复"}, headers=headers)
    assert withdraw.status_code == 409
    assert state(contract) == before
    assert db.session.get(Expense, receipted.id).replaced_by_id == first.get_json()["id"]

    assert client.post(f"/api/v1/contracts/{contract.id}/expenses/{duplicate.id}/withdraw", json={"reason": "重复"},
                       headers=headers).status_code == 200
    before = state(contract)
    corrected = client.post(correct_url(contract, duplicate), json=right_one(contract, amount_fen=100),
                            headers=headers)
    assert corrected.status_code == 409 and state(contract) == before


def test_no_correction_once_the_contract_is_no_longer_active(app, client, spent):  # noqa: F811
    officer, manager, contract, (receipted, _duplicate, _other) = spent
    with app.test_request_context():
        contracts.transition_contract(contract, "terminated", actor=officer, reason="机构停止服务")
    db.session.commit()
    before = state(contract)
    response = client.post(correct_url(contract, receipted), json=right_one(contract), headers=bearer(manager))
    assert response.status_code == 409 and "not active" in response.get_json()["error"]["message"]
    assert state(contract) == before


def test_the_description_offers_the_correction_beside_the_withdrawal(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    expenses = "/api/v1/contracts/{contract_id}/expenses/{expense_id}"
    correct = paths[f"{expenses}/correct"]["post"]
    assert set(correct["responses"]) >= {"201", "403", "404", "409", "422"}
    assert correct["requestBody"] == paths["/api/v1/contracts/{contract_id}/expenses"]["post"]["requestBody"]
    assert "`correct`" in paths[f"{expenses}/withdraw"]["post"]["description"]
