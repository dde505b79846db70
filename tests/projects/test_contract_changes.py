"""Budget and schedule changes through their transition table; approved changes version the contract; the amount
never changes by request."""

from datetime import timedelta

import pytest

from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from projects import contract_changes as changes
from projects import contract_money
from projects.contract_change_models import CHANGE_TRANSITIONS, ChangeStatus
from tests.projects.contract_helpers import active_contract, last_event


def budget_change(contract, amount, reason="活动场次增加，需要调整预算"):
    source, target = contract.lines[0], contract.lines[1]
    return changes.ChangeInput("budget", reason, from_line_id=source.id, to_line_id=target.id, amount_fen=amount)


def test_an_approved_budget_change_moves_money_and_versions_the_contract(app, session):
    officer, manager, contract = active_contract(app)
    source, target = contract.lines[0], contract.lines[1]
    before = (source.budget_fen, target.budget_fen)
    with app.test_request_context():
        contract_money.record_expense(contract, target, local_today(), "张明", target.budget_fen, None, actor=manager)
        with pytest.raises(Conflict):  # the line is at its limit
            contract_money.record_expense(contract, target, local_today(), "张明", 100, None, actor=manager)
        change = changes.request_change(contract, budget_change(contract, 50_000), actor=manager)
        assert last_event("contract.change_requested").target_id == str(contract.id)
        changes.transition_change(change, ChangeStatus.APPROVED, actor=officer, reason="理由充分")
        contract_money.record_expense(contract, target, local_today(), "张明", 50_000, None, actor=manager)
    assert (source.budget_fen, target.budget_fen) == (before[0] - 50_000, before[1] + 50_000)
    assert sum(line.budget_fen for line in contract.lines) == contract.amount_fen
    assert contract.version == 2
    amendment = contract.amendments[-1]
    assert amendment.version == 2 and amendment.change_id == change.id
    assert amendment.before["lines"][source.item] == before[0]
    assert amendment.after["lines"][target.item] == before[1] + 50_000
    event = last_event("contract.change_approved")
    assert '"version":2' in event.data.replace(" ", "") and event.actor_id == officer.id


def test_an_approved_schedule_change_moves_the_milestone(app, session):
    officer, manager, contract = active_contract(app)
    milestone = contract.milestones[0]
    new_date = milestone.due_on + timedelta(days=20)
    with app.test_request_context():
        change = changes.request_change(contract, changes.ChangeInput("schedule", "社区疫情防控，活动延后",
                                                                      milestone_id=milestone.id, new_due_on=new_date),
                                        actor=manager)
        changes.transition_change(change, ChangeStatus.APPROVED, actor=officer, reason="同意延期")
    assert milestone.due_on == new_date and contract.version == 2
    assert contract.amendments[-1].after == {"milestone": milestone.title, "due_on": new_date.isoformat()}


def test_a_schedule_change_whose_date_passed_while_it_waited_is_not_approved(app, session):
    officer, manager, contract = active_contract(app)
    milestone = contract.milestones[0]
    before = milestone.due_on
    with app.test_request_context():
        tomorrow = local_today() + timedelta(days=1)
        change = changes.request_change(contract, changes.ChangeInput(
            "schedule", "社区疫情防控，活动延后", milestone_id=milestone.id, new_due_on=tomorrow), actor=manager)
        change.new_due_on = local_today() - timedelta(days=1)  # as if it had waited two days for a decision
        with pytest.raises(Conflict):
            changes.transition_change(change, ChangeStatus.APPROVED, actor=officer, reason="同意延期")
        assert milestone.due_on == before and contract.version == 1
        changes.transition_change(change, ChangeStatus.REJECTED, actor=officer, reason="日期已过，请重新申请")


@pytest.mark.parametrize("start", list(ChangeStatus))
@pytest.mark.parametrize("to", [ChangeStatus.APPROVED, ChangeStatus.REJECTED, ChangeStatus.WITHDRAWN])
def test_change_transition_table(app, session, start, to):
    officer, manager, contract = active_contract(app)
    actor_for = {ChangeStatus.WITHDRAWN: manager, ChangeStatus.APPROVED: officer, ChangeStatus.REJECTED: officer}
    with app.test_request_context():
        change = changes.request_change(contract, budget_change(contract, 1_000), actor=manager)
        if start is not ChangeStatus.REQUESTED:
            changes.transition_change(change, start, actor=actor_for[start], reason="决定")
        if to in CHANGE_TRANSITIONS[start]:
            changes.transition_change(change, to, actor=actor_for[to], reason="决定")
            assert change.status == to and last_event(f"contract.change_{to.value}") is not None
            assert contract.version == (2 if to is ChangeStatus.APPROVED else 1)
        else:
            with pytest.raises(Conflict):
                changes.transition_change(change, to, actor=actor_for[to], reason="决定")


def test_decisions_need_reasons_and_the_right_person(app, session):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        change = changes.request_change(contract, budget_change(contract, 1_000), actor=manager)
        with pytest.raises(ServiceError) as caught:
            changes.transition_change(change, ChangeStatus.REJECTED, actor=officer)
        assert "reason" in caught.value.fields
        with pytest.raises(Forbidden):
            changes.transition_change(change, ChangeStatus.APPROVED, actor=manager, reason="自己批准")
        with pytest.raises(Forbidden):
            changes.transition_change(change, ChangeStatus.WITHDRAWN, actor=officer)
        with pytest.raises(Forbidden):
            changes.request_change(contract, budget_change(contract, 1_000), actor=officer)
    assert change.status == ChangeStatus.REQUESTED and contract.version == 1


@pytest.mark.parametrize("make, field", [
    (lambda c: changes.ChangeInput("budget", "理由", c.lines[0].id, c.lines[0].id, 100), "to_line_id"),
    (lambda c: changes.ChangeInput("budget", "理由", c.lines[0].id, c.lines[1].id, 0), "amount"),
    (lambda c: changes.ChangeInput("budget", "理由", c.lines[0].id, c.lines[1].id, c.lines[0].budget_fen + 1),
     "amount"),
    (lambda c: changes.ChangeInput("budget", " ", c.lines[0].id, c.lines[1].id, 100), "reason"),
    (lambda c: changes.ChangeInput("schedule", "理由", milestone_id=c.milestones[0].id,
                                   new_due_on=c.ends_on + timedelta(days=1)), "new_due_on"),
    (lambda c: changes.ChangeInput("schedule", "理由", milestone_id=999_999, new_due_on=c.ends_on), "milestone_id"),
    (lambda c: changes.ChangeInput("scope", "理由"), "kind"),
])
def test_bad_change_requests_are_refused(app, session, make, field):
    officer, manager, contract = active_contract(app)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        changes.request_change(contract, make(contract), actor=manager)
    assert field in caught.value.fields and contract.changes == []


def test_the_contract_amount_cannot_change_by_request(app, session):
    officer, manager, contract = active_contract(app)
    with app.test_request_context(), pytest.raises(Conflict) as caught:
        changes.request_change(contract, changes.ChangeInput("amount", "追加经费", amount_fen=1_000_000), actor=manager)
    assert caught.value.code == "amount_fixed" and contract.amount_fen == 12_000_000


def test_approval_cannot_take_a_line_below_what_it_spent_since(app, session):
    officer, manager, contract = active_contract(app)
    source = contract.lines[0]
    with app.test_request_context():
        # (into the activities: the whole line into the management fee would break the call's 10% limit)
        whole_line = changes.ChangeInput("budget", "活动场次增加", from_line_id=source.id,
                                         to_line_id=contract.lines[2].id, amount_fen=source.budget_fen)
        change = changes.request_change(contract, whole_line, actor=manager)
        contract_money.record_expense(contract, source, local_today(), "张明", 1, None, actor=manager)
        with pytest.raises(Conflict):
            changes.transition_change(change, ChangeStatus.APPROVED, actor=officer, reason="同意")
