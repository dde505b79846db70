"""A contract's close-out account (项目决算, /contracts/<id>/closeout): the figures of a terminated and of a completed
contract to the fen (paid, cancelled and what of it had become payable, spent by budget line with each line's budget
at signing worked back from approved changes, the balance to return or spent beyond the payments, the fees named in
reports), returns of the unspent balance recorded by officers (never more than is left, never the same reference
twice, audited), who may see and act (404/403), the contract page's link and the CSV."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.notifications import Notification
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from projects import contract_changes, contract_money, contract_reports, contracts
from projects.contract_change_models import ChangeStatus
from projects.contract_closeout import RETURNED, closeout_account, record_return
from projects.contract_closeout_views import CLOSEOUT_CSV
from projects.contract_models import ContractStatus, TrancheStatus
from projects.contract_report_input import FeeInput
from tests.factories import make_user
from tests.projects.contract_helpers import accepted_report, active_contract, last_event

EN = {"Accept-Language": "en"}
SPENT_FIRST, SPENT_THIRD = 1_000_000, 234_567


def terminated(app, *, pay_first=True, spend=True):
    """The prebuilt active contract (¥120,000 in tranches of 40/30/30): the first milestone's report accepted and its
    tranche paid (¥48,000), ¥10,000 and ¥2,345.67 spent, ¥500 moved by an approved budget change from the first line
    to the third, the second milestone's report accepted (its tranche payable, not paid), then terminated."""
    officer, manager, contract = active_contract(app)
    accepted_report(app, contract, officer, manager, index=0)
    with app.test_request_context():
        first, third = contract.lines[0], contract.lines[2]
        change = contract_changes.request_change(
            contract,
            contract_changes.ChangeInput(
                "budget", "活动场次增加", from_line_id=first.id, to_line_id=third.id, amount_fen=50_000
            ),
            actor=manager,
        )
        contract_changes.transition_change(change, ChangeStatus.APPROVED, actor=officer, reason="同意")
        if spend:
            contract_money.record_expense(contract, first, local_today(), "张明", SPENT_FIRST, None, actor=manager)
            contract_money.record_expense(contract, third, local_today(), "场地方", SPENT_THIRD, None, actor=manager)
        if pay_first:
            contract_money.pay_tranche(contract.tranches[0], "转账001", local_today(), actor=officer)
    accepted_report(app, contract, officer, manager, index=1)
    with app.test_request_context():
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="承接方无力继续履约")
    db.session.commit()
    db.session.expire_all()
    return officer, manager, contract


def returns_recorded(contract) -> list[dict]:
    return [
        json.loads(e.data)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == RETURNED, AuditEvent.target_id == str(contract.id))
            .order_by(AuditEvent.seq)
        )
    ]


# --- the account -------------------------------------------------------------------------------------------------


def test_a_terminated_contract_s_account_to_the_fen(app, session):
    officer, manager, contract = terminated(app)
    with app.test_request_context():
        account = closeout_account(contract)
    first, second, last = contract.tranches
    assert account.amount_fen == 12_000_000 and account.paid_fen == first.amount_fen == 4_800_000
    assert [t.tranche.status for t in account.tranches] == ["paid", "cancelled", "cancelled"]
    assert account.cancelled_fen == second.amount_fen + last.amount_fen == 7_200_000
    # The second milestone's report was accepted before the end: its tranche had become payable (work accepted, not
    # paid); the last one waited for the final evaluation and never became payable.
    assert [t.payable_when_ended for t in account.tranches] == [False, True, False]
    assert account.payable_cancelled_fen == second.amount_fen and account.unpaid_fen == 0
    assert account.spent_fen == SPENT_FIRST + SPENT_THIRD
    assert account.balance_fen == account.to_return_fen == 4_800_000 - 1_234_567 == 3_565_433
    assert account.uncovered_fen == 0 and account.returned_fen == 0 and account.outstanding_fen == 3_565_433
    assert account.ended_on == local_today()
    # Each line: its budget at signing, the approved change, the final budget, spent and unspent.
    by_item = {a.line.item: a for a in account.lines}
    assert by_item["社工补贴"].changed_fen == -50_000 and by_item["活动"].changed_fen == 50_000
    assert by_item["社工补贴"].signed_fen == by_item["社工补贴"].final_fen + 50_000
    assert sum(a.signed_fen for a in account.lines) == sum(a.final_fen for a in account.lines) == 12_000_000
    assert by_item["活动"].unspent_fen == by_item["活动"].final_fen - SPENT_THIRD
    assert account.moved_fen == 50_000 and len(account.budget_changes) == 1 and account.schedule_changes == 0


def test_an_active_contract_has_no_account_yet(app, session):
    officer, manager, contract = active_contract(app)
    db.session.commit()
    with app.test_request_context(), pytest.raises(Conflict):
        closeout_account(contract)
    with app.test_request_context(), pytest.raises(Conflict) as refused:
        record_return(contract, 100, local_today(), "退款001", actor=officer)
    assert refused.value.code == "not_ended" and returns_recorded(contract) == []


def test_spending_beyond_the_payments_is_said_and_there_is_nothing_to_return(app, session, client, login_as):
    officer, manager, contract = terminated(app, pay_first=False)
    with app.test_request_context():
        account = closeout_account(contract)
        assert account.paid_fen == 0 and account.uncovered_fen == 1_234_567 and account.to_return_fen == 0
        assert account.payable_cancelled_fen == sum(t.amount_fen for t in contract.tranches[:2])
        with pytest.raises(Conflict) as refused:
            record_return(contract, 100, local_today(), "退款001", actor=officer)
    assert refused.value.code == "nothing_to_return"
    login_as(officer)
    page = client.get(f"/contracts/{contract.id}/closeout", headers=EN).get_data(as_text=True)
    assert 'id="spent-beyond"' in page and "¥12,345.67 more than it was paid" in page
    assert 'id="return-form"' not in page and 'id="payable-cancelled-note"' in page


def test_a_completed_contract_through_its_final_evaluation(app, session, client, login_as):
    """Closed the real way: both reports accepted, the final evaluation passed (which releases the last tranche),
    every tranche paid. Everything was paid; what was not spent is the balance to return."""
    from evaluation import project_report
    from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all

    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    accepted_report(app, contract, officer, manager, index=0)
    with app.test_request_context():
        contract_reports.review_report(contract.milestones[-1].latest_report, True, "材料齐全。", actor=officer)
        contract_money.record_expense(contract, contract.lines[0], local_today(), "张明", 700_000, None, actor=manager)
        score_all(evaluation, {evaluator.id: half_points_for_total(evaluation, 150)})
        project_report.issue_report(evaluation, "评估结论：合格。", [], actor=evaluator)
        for tranche in contract.tranches:
            contract_money.pay_tranche(tranche, f"转账{tranche.position}", local_today(), actor=officer)
    db.session.commit()
    db.session.expire_all()
    assert contract.status == ContractStatus.CLOSED
    with app.test_request_context():
        account = closeout_account(contract)
    assert account.paid_fen == account.amount_fen == 12_000_000 and account.cancelled_fen == 0
    assert all(t.tranche.status == TrancheStatus.PAID for t in account.tranches)
    assert account.to_return_fen == 12_000_000 - 700_000
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}", headers=EN).get_data(as_text=True)
    assert f'href="/contracts/{contract.id}/closeout"' in page and 'id="closeout-link"' in page
    page = client.get(f"/contracts/{contract.id}/closeout").get_data(as_text=True)
    assert "¥113,000.00" in page and 'id="to-return"' in page and "已结项" in page


def test_fees_named_in_reports_are_listed_by_receipt_not_added(app, session, client, login_as):
    officer, manager, contract = active_contract(app)
    expert = make_user(Role.EVALUATOR)
    with app.test_request_context():
        fee = FeeInput("expert_fee", "", 30_000, local_today(), username=expert.username)
    report = accepted_report(app, contract, officer, manager, fees=[fee])
    with app.test_request_context():
        contract_reports.transition_receipt(report.fees[0], "denied", actor=expert, reason="未收到")
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="终止")
        account = closeout_account(contract)
    assert account.fees.count == 1 and account.fees.total_fen == 30_000
    assert account.fees.by_status["denied"] == 30_000 and account.fees.by_kind == {"expert_fee": 30_000}
    assert account.spent_fen == 0  # fees are listed, not added to the spending
    db.session.commit()
    login_as(officer)
    page = client.get(f"/contracts/{contract.id}/closeout", headers=EN).get_data(as_text=True)
    fees = page.split('id="closeout-fees"', 1)[1].split("</ul>", 1)[0]
    assert 'class="fee-expert_fee">Expert fee: ¥300.00' in fees
    assert 'class="fee-denied">' in fees and 'id="fees-denied"' in page


# --- returns -----------------------------------------------------------------------------------------------------


def test_returns_up_to_the_balance_each_reference_once_audited(app, session):
    officer, manager, contract = terminated(app)
    with app.test_request_context():
        record_return(contract, 1_000_000, local_today(), "退款A", actor=officer)
        with pytest.raises(ServiceError) as over:
            record_return(contract, 2_565_434, local_today(), "退款B", actor=officer)
        assert over.value.status == 422 and "¥25,654.33" in over.value.fields["amount"]
        with pytest.raises(Conflict) as twice:
            record_return(contract, 100, local_today(), " 退款A ", actor=officer)
        assert twice.value.code == "duplicate_return" and "reference" in twice.value.fields
        with pytest.raises(Forbidden):
            record_return(contract, 100, local_today(), "退款C", actor=manager)
        with pytest.raises(ServiceError) as bad:
            record_return(contract, 0, local_today() + timedelta(days=1), "", actor=officer)
        assert set(bad.value.fields) == {"amount", "returned_on", "reference"}
        with pytest.raises(ServiceError) as early:
            record_return(contract, 100, local_today() - timedelta(days=1), "退款D", actor=officer)
        assert "returned_on" in early.value.fields
        record_return(contract, 2_565_433, local_today(), "退款B", actor=officer)
        with pytest.raises(Conflict) as done:
            record_return(contract, 1, local_today(), "退款E", actor=officer)
        assert done.value.code == "already_returned"
        account = closeout_account(contract)
    assert account.returned_fen == account.to_return_fen == 3_565_433 and account.outstanding_fen == 0
    assert [(r.returned_fen, r.reference, r.recorded_by.id) for r in account.returns] == [
        (1_000_000, "退款A", officer.id),
        (2_565_433, "退款B", officer.id),
    ]
    events = returns_recorded(contract)
    assert [(e["returned_fen"], e["outstanding_fen"], e["balance_fen"]) for e in events] == [
        (1_000_000, 2_565_433, 3_565_433),
        (2_565_433, 0, 3_565_433),
    ]
    assert events[0]["returned_on"] == local_today().isoformat() and events[0]["reference"] == "退款A"


def test_the_return_form_records_refuses_clearly_and_changes_nothing(app, session, client, login_as):
    officer, manager, contract = terminated(app)
    url = f"/contracts/{contract.id}/closeout"
    login_as(officer)
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert 'id="return-form"' in page and 'value="35654.33"' in page  # what is still to be returned, filled in
    refused = client.post(
        url, headers=EN, data={"amount": "35,654.34", "returned_on": str(local_today()), "reference": "退款001"}
    )
    assert refused.status_code == 422
    assert "At most ¥35,654.33 is still to be returned." in refused.get_data(as_text=True)
    assert returns_recorded(contract) == []
    done = client.post(
        url, headers=EN, data={"amount": "35654.33", "returned_on": str(local_today()), "reference": "退款001"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(url)
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert 'id="returned-in-full"' in page and "退款001" in page and 'id="return-form"' not in page
    again = client.post(
        url, headers=EN, data={"amount": "1", "returned_on": str(local_today()), "reference": "退款002"}
    )
    assert again.status_code == 422 and "already been returned in full" in again.get_data(as_text=True)
    assert len(returns_recorded(contract)) == 1
    assert last_event(RETURNED).actor_id == officer.id


# --- who may see and act -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "page", "post"),
    [
        ("officer", 200, 302),
        ("auditor", 200, 403),
        ("manager", 200, 403),
        ("member", 200, 403),
        ("outsider", 404, 404),
        ("other_officer_role_resident", 404, 404),
    ],
)
def test_who_sees_the_account_and_who_records_returns(app, session, client, login_as, who, page, post):
    officer, manager, contract = terminated(app)
    users = {
        "officer": officer,
        "auditor": make_user(Role.AUDITOR),
        "manager": manager,
        "outsider": make_user(),
        "other_officer_role_resident": make_user(Role.RESIDENT),
    }
    if who == "member":
        from orgs import services as org_services

        users["member"] = make_user()
        with app.test_request_context():
            membership = org_services.invite_member(contract.org, users["member"].username, "member", actor=manager)
            org_services.answer_invitation(membership, True, actor=users["member"])
        db.session.commit()
    login_as(users[who])
    url = f"/contracts/{contract.id}/closeout"
    shown = client.get(url)
    assert shown.status_code == page
    if page == 200:
        assert ('id="return-form"' in shown.get_data(as_text=True)) == (who == "officer")
    assert client.get(f"{url}.csv", buffered=True).status_code == page
    posted = client.post(url, data={"amount": "1", "returned_on": str(local_today()), "reference": "退款X"})
    assert posted.status_code == post
    assert len(returns_recorded(contract)) == (1 if who == "officer" else 0)


def test_an_active_contract_s_page_says_it_is_not_ended_and_has_no_file(app, session, client, login_as):
    officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/contracts/{contract.id}/closeout", headers=EN).get_data(as_text=True)
    assert 'id="not-ended"' in page and 'id="account"' not in page
    assert client.get(f"/contracts/{contract.id}/closeout.csv").status_code == 404
    assert 'id="closeout-link"' not in client.get(f"/contracts/{contract.id}").get_data(as_text=True)


# --- the CSV -----------------------------------------------------------------------------------------------------


def test_the_csv_gives_the_account_and_is_recorded(app, session, client, login_as):
    officer, manager, contract = terminated(app)
    with app.test_request_context():
        record_return(contract, 65_433, local_today(), "=退款", actor=officer)
    db.session.commit()
    login_as(manager)
    response = client.get(f"/contracts/{contract.id}/closeout.csv", headers=EN, buffered=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8").removeprefix("\ufeff"), newline="")))
    figures = {row[0]: row[1] for row in rows if len(row) == 2}
    assert Decimal(figures["Paid"]) == Decimal("48000.00")
    assert Decimal(figures["Spent (expenses recorded against the budget lines)"]) == Decimal("12345.67")
    assert Decimal(figures["To return"]) == Decimal("35654.33")
    assert Decimal(figures["Returned so far"]) == Decimal("654.33") and Decimal(figures["Still to return"]) == 35_000
    assert Decimal(figures["of which payable when the contract ended"]) == Decimal("36000.00")
    assert Decimal(figures["Deducted from tranches (not paid)"]) == 0  # the page's and PDF's line, in the CSV too
    header = next(r for r in rows if r and r[0] == "Tranche")
    assert header[3:6] == ["Amount (yuan)", "Deducted (yuan)", "To pay (yuan)"]
    assert [r[2] for r in rows if len(r) == 5 and r[0] == str(local_today())] == ["'=退款"]  # typed text: no formula
    event = last_event(CLOSEOUT_CSV)
    assert event.actor_id == manager.id and event.target_id == str(contract.id)
    assert json.loads(event.data) == {"format": "csv", "lines": 3, "tranches": 3, "returns": 1}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == CLOSEOUT_CSV)) == 1


def test_a_draft_terminated_before_signing_has_nothing_to_settle(app, session, client, login_as):
    from tests.projects.contract_helpers import drawn_contract

    officer, manager, contract = drawn_contract(app)
    with app.test_request_context():
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="中标方放弃")
    db.session.commit()
    with app.test_request_context():
        account = closeout_account(contract)
    assert (account.paid_fen, account.spent_fen, account.payable_cancelled_fen) == (0, 0, 0)
    assert account.cancelled_fen == contract.amount_fen
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}/closeout", headers=EN).get_data(as_text=True)
    assert 'id="nothing-paid"' in page and 'id="returns-heading"' not in page


def test_the_same_return_sent_twice_is_named_so_whatever_is_left(app, session):
    officer, manager, contract = terminated(app)
    with app.test_request_context():
        record_return(contract, 3_000_000, local_today(), "退款A", actor=officer)
        with pytest.raises(Conflict) as twice:  # (its amount is more than is left now: the reference is the reason)
            record_return(contract, 3_000_000, local_today(), "退款A", actor=officer)
    assert twice.value.code == "duplicate_return" and "¥30,000.00" in str(twice.value.fields["reference"])
    assert len(returns_recorded(contract)) == 1


def test_the_organisation_is_told_of_each_return_and_what_is_still_due(app, session):
    officer, manager, contract = terminated(app)
    with app.test_request_context():
        record_return(contract, 1_000_000, local_today(), "退款A", actor=officer)
    notes = db.session.scalars(select(Notification).where(Notification.user_id == manager.id,
                                                          Notification.code == "contract.balance_returned")).all()
    assert len(notes) == 1 and notes[0].link == f"/contracts/{contract.id}/closeout"
    with app.test_request_context():
        assert "¥10,000.00" in notes[0].text and "¥25,654.33" in notes[0].text
