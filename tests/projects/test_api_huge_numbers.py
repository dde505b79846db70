"""A number far beyond what a field takes, sent over the JSON API: an amount in fen above core.money.MAX_FEN is
refused as too large, saying the most taken (as the forms say of an amount typed in yuan), and a count or an id
by its own rule; it used to be "Enter a whole number." for anything above 10^15, which it is. A 422, nothing
changed. The contracts API and the calls API read numbers with one function (projects.api_fields)."""

import pytest

from core.db import db
from core.money import MAX_FEN
from core.timeutil import local_today
from tests.projects.contract_helpers import bearer, counts
from tests.projects.test_pages_api import world  # noqa: F401  (the proposal API's fixture)

TOO_LARGE = "The amount is too large: at most ¥10,000,000,000,000.00."
HUGE = [MAX_FEN + 1, 10**20, 2**63]


def _refused(response, field: str) -> str:
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {field}
    return fields[field]


@pytest.mark.parametrize("amount", HUGE)
def test_a_huge_expense_amount_is_too_large_and_changes_nothing(client, contract_world, amount):
    _officer, manager, contract = contract_world
    before = counts()
    response = client.post(f"/api/v1/contracts/{contract.id}/expenses", headers=bearer(manager),
                           json={"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(),
                                 "payee": "供应商", "amount_fen": amount})
    assert _refused(response, "amount_fen") == TOO_LARGE
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + 1}  # (the token's creation only)


def test_it_is_said_in_chinese_by_default(client, contract_world):
    _officer, manager, contract = contract_world
    response = client.post(f"/api/v1/contracts/{contract.id}/expenses", headers=bearer(manager, **{
        "Accept-Language": "zh-CN"}), json={"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(),
                                             "payee": "供应商", "amount_fen": 10**16})
    assert _refused(response, "amount_fen") == "金额过大，最多为 ¥10,000,000,000,000.00。"


def test_a_huge_budget_change_is_too_large(client, contract_world):
    _officer, manager, contract = contract_world
    before = counts()
    response = client.post(f"/api/v1/contracts/{contract.id}/changes", headers=bearer(manager),
                           json={"kind": "budget", "reason": "调整预算", "from_line_id": contract.lines[0].id,
                                 "to_line_id": contract.lines[1].id, "amount_fen": 10**16})
    assert _refused(response, "amount_fen") == TOO_LARGE
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + 1}


def test_a_huge_fee_or_count_in_a_report_is_refused_by_its_own_rule_naming_the_row(client, contract_world):
    _officer, manager, contract = contract_world
    before, today = counts(), local_today().isoformat()
    url = f"/api/v1/milestones/{contract.milestones[0].id}/reports"
    fee = {"kind": "expert_fee", "name": "王芳", "phone": "13800001234", "amount_fen": 10**16, "paid_on": today}
    response = client.post(url, headers=bearer(manager), json={"narrative": "第一阶段的工作已经完成。",
                                                               "fees": [fee]})
    assert _refused(response, "fees") == f"Fee row 1: {TOO_LARGE}"
    activity = {"held_on": today, "place": "活动室", "participants": 10**16}
    response = client.post(url, headers=bearer(manager), json={"narrative": "第一阶段的工作已经完成。",
                                                               "activities": [activity]})
    assert "Activity row 1: The number of participants is a whole number from 0 to 1000000." in _refused(
        response, "activities")
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + 2}  # (the two tokens only)


def test_a_huge_line_id_is_no_line_of_the_contract(client, contract_world):
    _officer, manager, contract = contract_world
    response = client.post(f"/api/v1/contracts/{contract.id}/expenses", headers=bearer(manager),
                           json={"line_id": 10**16, "spent_on": local_today().isoformat(), "payee": "供应商",
                                 "amount_fen": 100})
    assert _refused(response, "line_id") == "Choose a budget line of this contract."


def test_a_huge_co_funding_on_a_proposal_is_too_large(client, world):  # noqa: F811
    draft = world["draft"]
    version = draft.co_funding_fen
    response = client.put(f"/api/v1/proposals/{draft.id}", headers=bearer(world["manager"]),
                          json={"title": draft.title, "co_funding_fen": 10**16})
    assert _refused(response, "co_funding_fen") == TOO_LARGE
    db.session.refresh(draft)
    assert draft.co_funding_fen == version
