"""Rebalancing a contract's budget lines before signing keeps to the call's published limits on personnel and the
management fee (the proposal was held to them at submission); the lines could be moved to any share, e.g. a
management fee of 22% under a call allowing 10%. Refused beside the lines, 422, with what was typed kept."""

import html

from core.db import db
from projects.contract_models import Contract
from projects.enums import BudgetCategory
from tests.projects.contract_helpers import drawn_contract


def test_lines_over_the_calls_caps_are_refused_and_within_them_saved(app, client, login_as, session):
    officer, _manager, contract = drawn_contract(app)
    before = {line.id: line.budget_fen for line in contract.lines}
    management = next(line for line in contract.lines if line.category == BudgetCategory.MANAGEMENT_FEE)
    other = next(line for line in contract.lines if line.category not in (BudgetCategory.MANAGEMENT_FEE,
                                                                           BudgetCategory.PERSONNEL))
    amount = contract.amount_fen  # ¥120,000: the call allows 10% management (¥12,000), 60% personnel
    moved = dict(before)
    moved[other.id] -= 2_000_000 - before[management.id]
    moved[management.id] = 2_000_000  # ¥20,000, 16.7%
    assert sum(moved.values()) == amount
    login_as(officer)
    typed = {f"line-{line_id}": f"{fen / 100:.2f}" for line_id, fen in moved.items()}
    response = client.post(f"/contracts/{contract.id}/lines", data=typed)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="lines-error">管理费占预算的 16.7%，本次项目征集规定不超过 10%。</div>' in page
    assert f'name="line-{management.id}" inputmode="decimal" value="20000.00"' in page
    db.session.expire_all()
    assert {line.id: line.budget_fen for line in db.session.get(Contract, contract.id).lines} == before

    moved[other.id] += 2_000_000 - 1_200_000
    moved[management.id] = 1_200_000  # exactly 10%: allowed
    typed = {f"line-{line_id}": f"{fen / 100:.2f}" for line_id, fen in moved.items()}
    assert client.post(f"/contracts/{contract.id}/lines", data=typed).status_code == 302
    db.session.expire_all()
    assert {line.id: line.budget_fen for line in db.session.get(Contract, contract.id).lines} == moved
