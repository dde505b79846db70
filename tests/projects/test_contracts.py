import threading
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import create_app
from audit.documents import IssuedDocument
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from projects import contract_money, contract_reports, contracts
from projects.contract_models import Contract, ContractStatus, Tranche, TrancheStatus
from projects.contract_report_input import ReportInput
from tests.conftest import app_config
from tests.orgs.helpers import Upload
from tests.projects.contract_helpers import active_contract, awarded_decision, last_event, plan


@pytest.mark.parametrize("percents, ok", [([40, 30, 29], False), ([40, 30, 30], True), ([40, 30, 31], False)])
def test_tranche_percentages_must_add_up_to_100(app, session, percents, ok):
    officer, decision, _manager = awarded_decision(app)
    start, end = local_today(), local_today() + timedelta(days=365)
    if ok:
        contract = contracts.draft_contract(decision, start, end, plan(), percents, "", actor=officer)
        assert [t.amount_fen for t in contract.tranches] == [4_800_000, 3_600_000, 3_600_000]
        assert sum(line.budget_fen for line in contract.lines) == contract.amount_fen == 12_000_000
        assert contract.tranches[-1].milestone_id is None  # the last waits for the final evaluation
    else:
        with pytest.raises(ServiceError) as caught:
            contracts.draft_contract(decision, start, end, plan(), percents, "", actor=officer)
        assert "percents" in caught.value.fields


def test_scaled_lines_keep_every_fen():
    class Line:
        def __init__(self, category, item, total):
            self.category, self.item, self.total_fen = category, item, total

    lines = contracts.scaled_lines([Line("personnel", "a", 333), Line("activities", "b", 333),
                                    Line("other", "c", 334)], 1000)
    assert sum(x[2] for x in lines) == 1000


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8), st.data())
def test_scaled_lines_add_up_and_none_passes_what_was_asked(totals, data):
    """Largest remainders: exact to the fen, and every line at most its request (so no category cap is passed by
    the rounding). The largest line used to take the whole remainder: 14,999,999 of 7.5M/0.75M/6.75M gave
    7,500,001 to the first."""
    class Line:
        def __init__(self, total):
            self.category, self.item, self.total_fen = "activities", "x", total

    amount = data.draw(st.integers(min_value=0, max_value=sum(totals)))
    lines = contracts.scaled_lines([Line(t) for t in totals], amount)
    assert sum(x[2] for x in lines) == amount
    assert all(0 <= x[2] <= t for x, t in zip(lines, totals, strict=True))
    assert all(abs(x[2] * sum(totals) - t * amount) < sum(totals) for x, t in zip(lines, totals, strict=True))


def test_percentages_are_floored_from_integers():
    assert [contracts.percent_of(*pair) for pair in ((99_951, 100_000), (4_000, 100_000), (1, 3), (5, 0))] == [
        "99.9", "4.0", "33.3", "0.0"]
    assert contracts.execution_rate(100_000, 100_000) == "100.0%"


def test_both_sides_confirm_then_the_contract_is_active_with_its_pdf(app, session):
    officer, manager, contract = active_contract(app)
    assert contract.status == ContractStatus.ACTIVE
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == contract.document_code))
    assert document.doc_type == "contract"
    with pytest.raises(Conflict):
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))


def test_report_accepted_makes_its_tranche_payable_and_payment_is_once(app, session):
    officer, manager, contract = active_contract(app)
    first, _second, last = contract.tranches
    with pytest.raises(Conflict):
        contract_money.pay_tranche(first, "转账001", local_today(), actor=officer)  # not yet due
    with app.test_request_context():
        data = ReportInput("完成入户走访 120 户，建立档案。", evidence=[Upload()])
        report = contract_reports.submit_report(contract.milestones[0], data, actor=manager)
        with pytest.raises(ServiceError):
            contract_reports.review_report(report, False, "", actor=officer)
        contract_reports.review_report(report, True, "", actor=officer)
    db.session.refresh(first)
    assert first.status == TrancheStatus.PAYABLE and last.status == TrancheStatus.PENDING
    contract_money.pay_tranche(first, "转账001", local_today(), actor=officer)
    with pytest.raises(Conflict):
        contract_money.pay_tranche(first, "转账002", local_today(), actor=officer)
    db.session.refresh(contract)
    assert contract.paid_fen == first.amount_fen


@pytest.mark.parametrize("extra, ok", [(-1, True), (0, True), (1, False)])
def test_expenses_at_under_and_over_a_line(app, session, extra, ok):
    officer, manager, contract = active_contract(app)
    line = contract.lines[0]
    amount = line.budget_fen + extra
    if ok:
        contract_money.record_expense(contract, line, local_today(), "张明", amount, None, actor=manager)
        assert line.spent_fen == amount and line.remaining_fen == -extra
    else:
        with pytest.raises(Conflict):
            contract_money.record_expense(contract, line, local_today(), "张明", amount, None, actor=manager)
        db.session.refresh(line)
        assert line.spent_fen == 0


@pytest.mark.committing
def test_concurrent_payment_approvals_never_pay_twice(migrated_url, tmp_path):
    application = create_app(app_config(migrated_url, tmp_path))
    with application.app_context():
        officer, manager, contract = active_contract(application)
        first = contract.tranches[0]
        with application.test_request_context():
            report = contract_reports.submit_report(
                contract.milestones[0], ReportInput("完成中期工作，提交报告。", outputs={"探访": 10}),
                actor=manager)
            contract_reports.review_report(report, True, "", actor=officer)
        db.session.commit()
        tranche_id, officer_id, contract_id = first.id, officer.id, contract.id

    outcomes, start = [], threading.Barrier(4)

    def pay(n):
        with application.app_context():
            from accounts.models import User

            start.wait()  # before touching the database: on SQLite a write transaction holds the lock
            tranche = db.session.get(Tranche, tranche_id)
            actor = db.session.get(User, officer_id)
            try:
                contract_money.pay_tranche(tranche, f"转账{n}", local_today(), actor=actor)
                db.session.commit()
                outcomes.append("paid")
            except Conflict:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with application.app_context():
        contract = db.session.get(Contract, contract_id)
        paid = contract.paid_fen
        expected = db.session.get(Tranche, tranche_id).amount_fen
        db.engine.dispose()
    assert sorted(outcomes) == ["paid", "refused", "refused", "refused"]
    assert paid == expected


def test_budget_lines_are_editable_before_signing_only(app, session):
    officer, decision, manager = awarded_decision(app)
    start, end = local_today(), local_today() + timedelta(days=365)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, start, end, plan(), [40, 30, 30], "", actor=officer)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        budgets = {line.id: line.budget_fen for line in contract.lines}
        first, second = list(budgets)[:2]
        budgets[first] -= 100_000
        with pytest.raises(ServiceError):  # no longer adds up to the amount
            contracts.edit_lines(contract, budgets, actor=officer)
        budgets[second] += 100_000
        with pytest.raises(Forbidden):
            contracts.edit_lines(contract, budgets, actor=manager)
        contracts.edit_lines(contract, budgets, actor=officer)
        assert contract.org_confirmed_at is None  # the organisation confirms the new figures again
        assert last_event("contract.lines_edited").actor_id == officer.id
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
        with pytest.raises(Conflict):
            contracts.edit_lines(contract, budgets, actor=officer)
    assert {line.id: line.budget_fen for line in contract.lines} == budgets
