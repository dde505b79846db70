"""Bugs found in review of calls, proposals and contracts: each test failed before its fix."""

from datetime import timedelta

import pytest

from accounts.enums import Role
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from projects import contract_money, contracts
from projects import contract_reports as reports
from projects.contract_report_input import ActivityInput, ReportInput
from tests.factories import make_user
from tests.projects.contract_helpers import accepted_report, active_contract, awarded_decision
from tests.projects.helpers import published_call
from tests.projects.test_pages_api import bearer, world  # noqa: F401, F811  (the fixture)


def test_a_participant_count_beyond_the_column_is_a_field_error_not_a_500(app, session):
    """An INTEGER column: 3 billion participants overflowed it on PostgreSQL (DataError, a 500)."""
    officer, manager, contract = active_contract(app)
    activity = ActivityInput(local_today(), "活动室", 3_000_000_000)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        reports.submit_report(contract.milestones[0], ReportInput("本期完成了一些工作记录文字",
                                                                  activities=[activity]), actor=manager)
    assert "activities" in caught.value.fields
    assert contract.milestones[0].reports == []


def test_a_payment_reference_longer_than_its_column_is_refused(app, session):
    """The reference is VARCHAR(100): a longer one was a DataError (500) on PostgreSQL."""
    officer, manager, contract = active_contract(app)
    accepted_report(app, contract, officer, manager, index=1)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        contract_money.pay_tranche(contract.tranches[1], "转" * 101, local_today(), actor=officer)
    assert "reference" in caught.value.fields


def test_a_milestone_title_longer_than_its_column_is_refused(app, session):
    officer, decision, _manager = awarded_decision(app)
    plan = [contracts.MilestonePlan("中" * 201, local_today() + timedelta(days=30))]
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan, [70, 30], "",
                                 actor=officer)
    assert "milestones" in caught.value.fields


def test_starting_a_proposal_over_the_api_with_a_huge_org_id_is_a_422(client, world):  # noqa: F811
    """A JSON integer beyond the database's range reached the query: OverflowError on SQLite, a 500."""
    response = client.post(f"/api/v1/calls/{world['call'].id}/proposals", json={"org_id": 10**30},
                           headers=bearer(world["manager"]))
    assert response.status_code == 422
    assert "org_id" in response.get_json()["error"]["fields"]


def test_outputs_achieved_beyond_any_target_are_refused(app, session):
    """Proposals cap output targets at 10^9; a report took 10^40 'achieved' and the progress chart with it."""
    officer, manager, contract = active_contract(app)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        reports.submit_report(contract.milestones[0], ReportInput("本期完成了一些工作记录文字",
                                                                  outputs={"探访": 10**40}), actor=manager)
    assert "outputs" in caught.value.fields


def test_the_call_api_states_the_passing_evaluation_rule(client, app, session):
    """Issue 4: the rules are stated in advance; the API left out 'last evaluation at least 合格'."""
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer, require_passing_evaluation=True)
    db.session.commit()
    assert client.get(f"/api/v1/calls/{call.id}").get_json()["rules"]["require_passing_evaluation"] is True


def ended_contract(app):
    """An active contract whose period ended ten days ago."""
    officer, decision, manager = awarded_decision(app)
    ends = local_today() - timedelta(days=10)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, ends - timedelta(days=300), ends,
                                            [contracts.MilestonePlan("末期", ends - timedelta(days=20))], [70, 30], "",
                                            actor=officer)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    return officer, manager, contract


def test_an_expense_dated_after_the_contract_period_is_refused(app, session):
    """The error says 'within the contract period', but only the start was checked."""
    officer, manager, contract = ended_contract(app)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        contract_money.record_expense(contract, contract.lines[0], contract.ends_on + timedelta(days=1), "某商店", 100,
                                 None, actor=manager)
    assert "spent_on" in caught.value.fields
    with app.test_request_context():
        contract_money.record_expense(contract, contract.lines[0], contract.ends_on, "某商店", 100, None, actor=manager)


def test_a_required_attachment_name_longer_than_the_attachment_column_is_refused(app, session):
    """A call took any name; a proposal's attachment for it (VARCHAR(100)) then failed in the database (a 500)."""
    from projects import calls
    from tests.projects.helpers import call_data

    officer = make_user(Role.OFFICER)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        calls.create_call(call_data(required_attachments=["附" * 101]), actor=officer)
    assert "required_attachments" in caught.value.fields
