"""Bugs found in review of calls, proposals and contracts: each test failed before its fix."""

from datetime import timedelta

import pytest

from core.errors import ServiceError
from core.timeutil import local_today
from projects import contract_reports as reports
from projects import contracts
from tests.projects.contract_helpers import accepted_report, active_contract, awarded_decision


def test_a_participant_count_beyond_the_column_is_a_field_error_not_a_500(app, session):
    """An INTEGER column: 3 billion participants overflowed it on PostgreSQL (DataError, a 500)."""
    officer, manager, contract = active_contract(app)
    activity = reports.ActivityInput(local_today(), "活动室", 3_000_000_000)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        reports.submit_report(contract.milestones[0], reports.ReportInput("本期完成了一些工作记录文字",
                                                                          activities=[activity]), actor=manager)
    assert "activities" in caught.value.fields
    assert contract.milestones[0].reports == []


def test_a_payment_reference_longer_than_its_column_is_refused(app, session):
    """The reference is VARCHAR(100): a longer one was a DataError (500) on PostgreSQL."""
    officer, manager, contract = active_contract(app)
    accepted_report(app, contract, officer, manager, index=1)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        contracts.pay_tranche(contract.tranches[1], "转" * 101, local_today(), actor=officer)
    assert "reference" in caught.value.fields


def test_a_milestone_title_longer_than_its_column_is_refused(app, session):
    officer, decision, _manager = awarded_decision(app)
    plan = [contracts.MilestonePlan("中" * 201, local_today() + timedelta(days=30))]
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan, [70, 30], "",
                                 actor=officer)
    assert "milestones" in caught.value.fields
