"""A refusal over the API names each field as the request named it (`amount_fen`), not as the page's form does
(`amount`, in yuan): a client shows each reason beside what it sent. Found by the OpenAPI fuzz
(tests/test_openapi.py)."""

from core.timeutil import local_today
from tests.projects.contract_helpers import bearer, counts


def test_a_refused_expense_amount_is_named_amount_fen(client, contract_world):
    _officer, manager, contract = contract_world
    before = counts()
    response = client.post(f"/api/v1/contracts/{contract.id}/expenses", headers=bearer(manager),
                           json={"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(),
                                 "payee": "供应商", "amount_fen": 0})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"amount_fen"}
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + 1}  # (the token's creation only)


def test_an_expense_over_the_line_names_amount_fen(client, contract_world):
    _officer, manager, contract = contract_world
    line = contract.lines[0]
    response = client.post(f"/api/v1/contracts/{contract.id}/expenses", headers=bearer(manager),
                           json={"line_id": line.id, "spent_on": local_today().isoformat(), "payee": "供应商",
                                 "amount_fen": line.budget_fen + 1})
    assert response.status_code == 409
    assert set(response.get_json()["error"]["fields"]) == {"amount_fen"}


def test_a_refused_budget_change_amount_is_named_amount_fen(client, contract_world):
    _officer, manager, contract = contract_world
    source, target = contract.lines[0], contract.lines[1]
    response = client.post(f"/api/v1/contracts/{contract.id}/changes", headers=bearer(manager),
                           json={"kind": "budget", "reason": "调整预算", "from_line_id": source.id,
                                 "to_line_id": target.id, "amount_fen": source.budget_fen * 10})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"amount_fen"}


def test_a_report_names_a_bad_row_value_by_its_list_and_row(client, contract_world):
    """`participants` and `paid_on` are not fields of the request: `activities` and `fees` are, and the reason names
    the row, as the service's own reasons do."""
    _officer, manager, contract = contract_world
    today = local_today().isoformat()
    body = {"narrative": "第一阶段的工作已经完成。",
            "activities": [{"held_on": today, "place": "活动室", "participants": 3},
                           {"held_on": today, "place": "活动室", "participants": "三十"}]}
    response = client.post(f"/api/v1/milestones/{contract.milestones[0].id}/reports", headers=bearer(manager),
                           json=body)
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422 and set(fields) == {"activities"} and "row 2" in fields["activities"]
    body = {"narrative": "第一阶段的工作已经完成。",
            "fees": [{"kind": "expert_fee", "name": "王芳", "phone": "13800001234", "amount_fen": 100,
                      "paid_on": "yesterday"}]}
    response = client.post(f"/api/v1/milestones/{contract.milestones[0].id}/reports", headers=bearer(manager),
                           json=body)
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422 and set(fields) == {"fees"} and "row 1" in fields["fees"]
