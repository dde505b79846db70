"""Two-person approval above the configured amount, closing on the last payment, termination, and the watch list
(dashboard counts and reminders)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from accounts.enums import Role
from accounts.notifications import Notification
from core.db import db
from core.errors import Conflict, Forbidden
from core.timeutil import local_today
from projects import contract_money, contract_reports, contract_watch, contracts
from projects.contract_models import ContractStatus, Tranche, TrancheStatus
from projects.contract_report_input import FeeInput, ReportInput
from tests.factories import make_user
from tests.projects.contract_helpers import accepted_report, active_contract, last_event


@pytest.fixture
def two_person(app):
    previous = app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"]
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = 4_000_000  # the first tranche (4.8M fen) is above, others not
    yield
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = previous


def test_above_the_threshold_one_officer_approves_and_another_pays(app, session, two_person):
    officer, manager, contract = active_contract(app)
    second = make_user(Role.OFFICER)
    accepted_report(app, contract, officer, manager)
    first = contract.tranches[0]
    with app.test_request_context():
        with pytest.raises(Conflict):
            contract_money.pay_tranche(first, "转账001", local_today(), actor=officer)  # not approved yet
        with pytest.raises(Forbidden):
            contract_money.approve_tranche(first, actor=manager)
        contract_money.approve_tranche(first, actor=officer)
        assert last_event("contract.tranche_approved").actor_id == officer.id
        with pytest.raises(Conflict):
            contract_money.approve_tranche(first, actor=second)  # approved once only
        with pytest.raises(Forbidden):
            contract_money.pay_tranche(first, "转账001", local_today(), actor=officer)  # not the approver
        contract_money.pay_tranche(first, "转账001", local_today(), actor=second)
    db.session.refresh(first)
    assert (first.status, first.approved_by_id, first.paid_by_id) == (TrancheStatus.PAID, officer.id, second.id)
    assert last_event("contract.tranche_paid").actor_id == second.id
    assert db.session.scalar(select(Notification.code).where(Notification.user_id == manager.id,
                                                             Notification.code == "contract.tranche_paid"))


def test_below_the_threshold_one_officer_pays(app, session, two_person):
    officer, manager, contract = active_contract(app)
    accepted_report(app, contract, officer, manager, index=1)
    second_tranche = contract.tranches[1]  # 3.6M fen, not above 4M
    with app.test_request_context():
        with pytest.raises(Conflict):
            contract_money.approve_tranche(second_tranche, actor=officer)
        contract_money.pay_tranche(second_tranche, "转账002", local_today(), actor=officer)
    db.session.refresh(second_tranche)
    assert second_tranche.status == TrancheStatus.PAID


def test_paying_the_last_tranche_closes_the_contract(app, session):
    officer, manager, contract = active_contract(app)
    for index in (0, 1):
        accepted_report(app, contract, officer, manager, index=index)
    with app.test_request_context():
        for tranche in contract.tranches[:2]:
            contract_money.pay_tranche(tranche, f"转账{tranche.id}", local_today(), actor=officer)
    assert contract.status == ContractStatus.ACTIVE
    last = contract.tranches[-1]
    assert last.milestone_id is None and last.status == TrancheStatus.PENDING  # waits for the final evaluation
    # What projects/final_tranche.py does after a passing final evaluation (built with the evaluation package):
    db.session.execute(update(Tranche).where(Tranche.id == last.id).values(status=TrancheStatus.PAYABLE.value))
    with app.test_request_context():
        contract_money.pay_tranche(last, "转账末期", local_today(), actor=officer)
    db.session.refresh(contract)
    assert contract.status == ContractStatus.CLOSED and contract.paid_fen == contract.amount_fen
    assert last_event("contract.closed").target_id == str(contract.id)


def test_termination_needs_a_reason_and_cancels_what_is_left(app, session):
    officer, manager, contract = active_contract(app)
    accepted_report(app, contract, officer, manager)
    with app.test_request_context():
        with pytest.raises(Forbidden):
            contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=manager, reason="不做了")
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="承接方严重违约")
    statuses = db.session.scalars(select(Tranche.status).where(Tranche.contract_id == contract.id)).all()
    assert statuses == ["cancelled"] * 3
    assert last_event("contract.terminated").target_id == str(contract.id)


def test_dashboard_counts_and_reminders(app, session):
    officer, manager, contract = active_contract(app)
    expert = make_user(Role.EVALUATOR)
    later = local_today() + timedelta(days=90)  # the first milestone (day 60) is then overdue
    with app.test_request_context():
        fee = FeeInput("expert_fee", "", 50_000, local_today(), username=expert.username)
        data = ReportInput("第二阶段工作已完成，提交报告。", fees=[fee])
        contract_reports.submit_report(contract.milestones[1], data, actor=manager)
        board = contract_watch.dashboard(today=later)
        counts = {k: board.counts[k] for k in ("overdue", "waiting", "payable", "receipts")}
        mine = contract_watch.dashboard(today=later, org_ids=[contract.org_id])
        other = contract_watch.dashboard(today=later, org_ids=[-1])
        result = contract_watch.remind(today=later)
    assert counts == {"overdue": 1, "waiting": 1, "payable": 0, "receipts": 1}
    assert [r.milestone for r in board.overdue] == [contract.milestones[0].title]
    assert mine.counts["projects"] == 1 and {k: mine.counts[k] for k in counts} == counts
    assert other.counts == {"overdue": 0, "waiting": 0, "payable": 0, "receipts": 0, "projects": 0}
    assert other.overdue == [] and other.receipts == []
    assert result["overdue_notices"] == 1 and result["fee_reminders"] == 1

    def codes(user):
        return set(db.session.scalars(select(Notification.code).where(Notification.user_id == user.id)))

    assert "contract.milestone_overdue" in codes(manager)
    assert "contract.fee_reminder" in codes(expert)
    assert "contract.officer_digest" in codes(officer)
    accepted_report(app, contract, officer, manager)  # the overdue milestone's report, late but accepted
    assert contract.milestones[0].accepted_at is not None
    assert contract_watch.dashboard(today=later).counts["overdue"] == 0


def test_dashboard_queries_do_not_grow_with_projects(app, session):
    from sqlalchemy import event

    statements = []
    active_contract(app)

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        contract_watch.dashboard()
        one = len(statements)
        active_contract(app)
        statements.clear()
        board = contract_watch.dashboard()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert one > 3 and len(statements) == one
    assert board.counts["projects"] == db.session.scalar(select(func.count()).select_from(contracts.Contract))


def test_the_remind_command_runs(app, session):
    active_contract(app)
    result = app.test_cli_runner().invoke(args=["contracts", "remind"])
    assert result.exit_code == 0 and "overdue milestones 0" in result.output
