"""Dates against the contract period: activities, fees and expenses dated after the contract's end are refused
(service, report page and API) and change nothing, as dates before its start are; milestone (so tranche) due
dates stay within the period; a tranche's payment date is deliberately not capped at the end."""

import html
from datetime import timedelta

import pytest
from flask_babel import force_locale

from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from projects import contract_changes, contract_money, contract_reports, contracts
from projects.contract_models import TrancheStatus
from projects.contract_report_input import ActivityInput, FeeInput, ReportInput
from tests.projects.contract_helpers import (
    accepted_report,
    active_contract,
    awarded_decision,
    bearer,
    counts,
    last_event,
)

EN = {"Accept-Language": "en"}
ACTIVITY_REFUSED = "Activities are dated within the contract period, and not in the future."
FEE_REFUSED = "Payments are dated within the contract period, and not in the future."
EXPENSE_REFUSED = "The date must fall within the contract period, and not in the future."


def ended_contract(app):
    """An active contract whose period ended 30 days ago (it stays active until its last tranche is paid), so that
    a day after its end is still not in the future."""
    officer, decision, manager = awarded_decision(app)
    today = local_today()
    plan = [contracts.MilestonePlan("中期", today - timedelta(days=200), "中期报告"),
            contracts.MilestonePlan("末期", today - timedelta(days=40), "总结报告")]
    with app.test_request_context():
        contract = contracts.draft_contract(decision, today - timedelta(days=360), today - timedelta(days=30), plan,
                                            [40, 30, 30], "", actor=officer)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    db.session.commit()
    return officer, manager, contract


def activity(held_on, place="和平社区活动室"):
    return ActivityInput(held_on, place, 20, "健康讲座")


def fee(paid_on):
    return FeeInput("volunteer_allowance", "王强", 5_000, paid_on, phone="13900001111")


# --- the services ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, data, message", [
    ("activities", lambda end: {"activities": [activity(end + timedelta(days=1))]},
     f"Activity row 1: {ACTIVITY_REFUSED}"),
    ("fees", lambda end: {"fees": [fee(end + timedelta(days=1))]}, f"Fee row 1: {FEE_REFUSED}"),
    ("activities", lambda end: {"activities": [activity(end), activity(end + timedelta(days=29))]},
     f"Activity row 2: {ACTIVITY_REFUSED}"),  # each message names its row
])
def test_a_report_dated_after_the_contract_end_is_refused_and_changes_nothing(app, session, field, data, message):
    officer, manager, contract = ended_contract(app)
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contract_reports.submit_report(contract.milestones[1], ReportInput(
            "末期：开展健康讲座并发放志愿者补贴。", **data(contract.ends_on)), actor=manager)
    assert str(caught.value.fields[field]) == message
    db.session.rollback()
    assert counts() == before
    assert contract.milestones[1].reports == []


def test_before_the_start_was_and_still_is_refused(app, session):
    officer, manager, contract = ended_contract(app)
    early = contract.starts_on - timedelta(days=1)
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contract_reports.submit_report(contract.milestones[1], ReportInput(
            "末期：开展健康讲座并发放志愿者补贴。", activities=[activity(early)], fees=[fee(early)]), actor=manager)
    assert set(caught.value.fields) == {"activities", "fees"}


def test_the_first_and_last_days_of_the_period_are_accepted(app, session):
    officer, manager, contract = ended_contract(app)
    start, end = contract.starts_on, contract.ends_on
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[1], ReportInput(
            "末期：开展健康讲座并发放志愿者补贴。", activities=[activity(start), activity(end)],
            fees=[fee(start), fee(end)]), actor=manager)
    assert sorted(a.held_on for a in report.activities) == [start, end]
    assert sorted(f.paid_on for f in report.fees) == [start, end]
    assert last_event("contract.report_submitted").target_id == str(contract.id)


def test_an_open_contract_still_refuses_the_future_only(app, session):
    """A contract whose end is a year away: today is the last day allowed, tomorrow is refused as before."""
    officer, manager, contract = active_contract(app)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        contract_reports.submit_report(contract.milestones[0], ReportInput(
            "本期完成了一些工作记录文字", activities=[activity(local_today() + timedelta(days=1))]), actor=manager)
    assert "activities" in caught.value.fields
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[0], ReportInput(
            "本期完成了一些工作记录文字", activities=[activity(local_today())]), actor=manager)
    assert report.activities[0].held_on == local_today()


def test_an_expense_after_the_end_is_refused_as_before(app, session):
    officer, manager, contract = ended_contract(app)
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contract_money.record_expense(contract, contract.lines[0], contract.ends_on + timedelta(days=1), "张明", 1_000,
                                 None, actor=manager)
    assert str(caught.value.fields["spent_on"]) == EXPENSE_REFUSED
    db.session.rollback()
    assert counts() == before


# --- the report page ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rows, message", [
    ({"activity-0-date": "{after}", "activity-0-place": "和平社区活动室", "activity-0-participants": "20"},
     ACTIVITY_REFUSED),
    ({"fee-0-kind": "volunteer_allowance", "fee-0-name": "王强", "fee-0-phone": "13900001111", "fee-0-amount": "50",
      "fee-0-paid_on": "{after}"}, FEE_REFUSED),
])
def test_the_report_page_refuses_dates_after_the_end(client, login_as, app, session, rows, message):
    officer, manager, contract = ended_contract(app)
    after = (contract.ends_on + timedelta(days=1)).isoformat()
    form = {"narrative": "末期：开展健康讲座并发放志愿者补贴。", **{k: v.format(after=after) for k, v in rows.items()}}
    login_as(manager)
    before = counts()
    response = client.post(f"/contracts/milestones/{contract.milestones[1].id}/report", data=form, headers=EN)
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    assert counts() == before


def test_the_report_page_offers_the_last_day_of_the_period(client, login_as, app, session):
    officer, manager, contract = ended_contract(app)
    login_as(manager)
    page = client.get(f"/contracts/milestones/{contract.milestones[1].id}/report").get_data(as_text=True)
    end = contract.ends_on.isoformat()
    assert f'name="activity-0-date" id="activity-0-date" value="{end}"' in page
    assert f'max="{end}"' in page and f'name="fee-0-paid_on" id="fee-0-paid_on" value="{end}"' in page
    assert local_today().isoformat() not in page


# --- the API -----------------------------------------------------------------------------------------------------

def api_activity(day):
    return {"activities": [{"held_on": day.isoformat(), "place": "和平社区活动室", "participants": 20}]}


def api_fee(day):
    return {"fees": [{"kind": "volunteer_allowance", "name": "王强", "phone": "13900001111", "amount_fen": 5_000,
                      "paid_on": day.isoformat()}]}


@pytest.mark.parametrize("rows, field, message", [
    (api_activity, "activities", f"Activity row 1: {ACTIVITY_REFUSED}"),
    (api_fee, "fees", f"Fee row 1: {FEE_REFUSED}")])
def test_the_api_refuses_report_dates_after_the_end(client, app, session, rows, field, message):
    officer, manager, contract = ended_contract(app)
    headers, path = bearer(manager), f"/api/v1/milestones/{contract.milestones[1].id}/reports"
    narrative = "末期：开展健康讲座并发放志愿者补贴。"
    before = counts()
    response = client.post(path, headers=headers,
                           json={"narrative": narrative, **rows(contract.ends_on + timedelta(days=1))})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["fields"][field] == message
    assert counts() == before
    ok = client.post(path, headers=headers, json={"narrative": narrative, **rows(contract.ends_on)})
    assert ok.status_code == 201, ok.get_json()


def test_the_api_refuses_an_expense_after_the_end(client, app, session):
    officer, manager, contract = ended_contract(app)
    headers = bearer(manager)
    before = counts()
    response = client.post(f"/api/v1/contracts/{contract.id}/expenses", headers=headers, json={
        "line_id": contract.lines[0].id, "spent_on": (contract.ends_on + timedelta(days=1)).isoformat(),
        "payee": "张明", "amount_fen": 1_000})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["spent_on"] == EXPENSE_REFUSED
    assert counts() == before


# --- tranches ----------------------------------------------------------------------------------------------------
# A tranche has no date of its own until it is paid: each is due with its milestone, and the last one waits for
# the final evaluation. Milestone due dates are kept within the period when the contract is drawn up and when the
# schedule changes.

def test_a_milestone_due_after_the_end_is_refused_when_drawing_up(app, session):
    officer, decision, manager = awarded_decision(app)
    db.session.commit()
    today = local_today()
    late = [contracts.MilestonePlan("中期", today + timedelta(days=30), "中期报告"),
            contracts.MilestonePlan("末期", today + timedelta(days=101), "总结报告")]
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contracts.draft_contract(decision, today, today + timedelta(days=100), late, [40, 30, 30], "", actor=officer)
    assert "milestones" in caught.value.fields
    db.session.rollback()
    assert counts() == before


def test_a_schedule_change_past_the_end_is_refused(client, app, session):
    officer, manager, contract = active_contract(app)
    headers = bearer(manager)
    before = counts()
    response = client.post(f"/api/v1/contracts/{contract.id}/changes", headers=headers, json={
        "kind": "schedule", "milestone_id": contract.milestones[1].id, "reason": "延期",
        "new_due_on": (contract.ends_on + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["new_due_on"] == "The new date must fall within the contract period."
    assert counts() == before
    with app.test_request_context(), pytest.raises(ServiceError):
        contract_changes.request_change(contract, contract_changes.ChangeInput(
            "schedule", "延期", milestone_id=contract.milestones[1].id,
            new_due_on=contract.ends_on + timedelta(days=1)), actor=manager)


def test_a_tranche_may_be_paid_after_the_end_but_not_before_the_start(app, session):
    """Deliberately not capped at the end: a milestone report may be accepted after the end (the last one is due on
    the last day), and a payment cannot be dated before that acceptance, so a cap would leave such a tranche
    payable for ever; the last tranche waits for the final evaluation, which follows the period."""
    officer, manager, contract = ended_contract(app)
    accepted_report(app, contract, officer, manager, index=0)
    tranche = contract.tranches[0]
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contract_money.pay_tranche(tranche, "国库集中支付-1", contract.starts_on - timedelta(days=1), actor=officer)
    assert "paid_on" in caught.value.fields
    with app.test_request_context():
        contract_money.pay_tranche(tranche, "国库集中支付-1", local_today(), actor=officer)
    db.session.expire_all()
    assert tranche.status == TrancheStatus.PAID and tranche.paid_on > contract.ends_on
