"""A budget change after signing (调剂) keeps to the call's published limits on personnel and the management fee,
as the lines were held to them at submission and before signing: moving ¥20,000 into the management fee of a
¥120,000 contract under a call allowing 10% was approved. Judged when asked and again when approved (another change
may have been approved meanwhile); money may always leave a category, even one already over its limit."""

import pytest

from core.db import db
from core.errors import Conflict, ServiceError
from projects import contract_changes as changes
from projects.contract_change_models import ChangeStatus
from projects.enums import BudgetCategory
from tests.projects.contract_helpers import active_contract


def lines_of(contract):
    management = next(line for line in contract.lines if line.category == BudgetCategory.MANAGEMENT_FEE)
    other = next(line for line in contract.lines
                 if line.category not in (BudgetCategory.MANAGEMENT_FEE, BudgetCategory.PERSONNEL))
    return management, other


def move(source, target, amount):
    return changes.ChangeInput("budget", "活动场次调整", from_line_id=source.id, to_line_id=target.id,
                               amount_fen=amount)


def test_a_change_taking_the_management_fee_over_the_call_s_limit_is_refused(app, session):
    officer, manager, contract = active_contract(app)
    management, other = lines_of(contract)
    room = contract.amount_fen // 10 - management.budget_fen  # up to exactly 10% of ¥120,000 is allowed
    assert 0 < room < other.remaining_fen
    with app.test_request_context():
        with pytest.raises(ServiceError) as refused:
            changes.request_change(contract, move(other, management, room + 1), actor=manager)
        assert "本次项目征集规定不超过 10%" in refused.value.fields["amount"] and contract.changes == []
        exactly = changes.request_change(contract, move(other, management, room), actor=manager)
        changes.transition_change(exactly, ChangeStatus.APPROVED, actor=officer, reason="同意")
    assert 100 * management.budget_fen == 10 * contract.amount_fen


def test_approval_judges_the_lines_as_they_are_then(app, session):
    officer, manager, contract = active_contract(app)
    management, other = lines_of(contract)
    room = contract.amount_fen // 10 - management.budget_fen
    with app.test_request_context():
        first = changes.request_change(contract, move(other, management, room), actor=manager)
        second = changes.request_change(contract, move(other, management, room), actor=manager)
        changes.transition_change(first, ChangeStatus.APPROVED, actor=officer, reason="同意")
        before = {line.id: line.budget_fen for line in contract.lines}
        with pytest.raises(Conflict) as refused:
            changes.transition_change(second, ChangeStatus.APPROVED, actor=officer, reason="同意")
        assert "管理费" in refused.value.message
    db.session.expire_all()
    assert {line.id: line.budget_fen for line in contract.lines} == before and contract.version == 2


def test_money_may_leave_a_category_already_over_its_limit(app, session):
    officer, manager, contract = active_contract(app)
    management, other = lines_of(contract)
    shifted = other.remaining_fen // 2  # over 10%: a contract signed before the limits were checked
    management.budget_fen += shifted
    other.budget_fen -= shifted
    db.session.flush()
    with app.test_request_context():
        change = changes.request_change(contract, move(management, other, 100), actor=manager)
        changes.transition_change(change, ChangeStatus.APPROVED, actor=officer, reason="同意")
    assert change.status == ChangeStatus.APPROVED
