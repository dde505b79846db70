"""What people type is refused when it does not fit, never cut to fit: a fee recipient's phone (a mainland mobile
number, whether or not the recipient is a platform user, named by its row), a recipient's reason for confirming or
denying a payment (at most 1000 characters), and a proposal's budget-line item (at most 200). Each refusal changes
nothing; valid input is stored as before."""

import html
import json

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from projects import contract_reports, proposals
from projects.contract_report_input import FeeInput, ReportInput
from projects.contract_report_models import FeePayment, ReceiptStatus
from projects.models import BudgetLine
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract, bearer, counts, last_event
from tests.projects.helpers import budget, full_data, good_org, published_call

EN = {"Accept-Language": "en"}
NARRATIVE = "第一阶段：开展健康讲座，发放专家费和志愿者补贴。"
MOBILE = "13900001111"
BAD_PHONES = [
    "1390000111",  # 10 digits
    "139000011112",  # 12 digits
    "1" * 21,  # longer than the column: it used to be cut to 20
    MOBILE + "2" * 30,  # starts as a valid number: cut to 20 it was still not one
    "1" + "٣" * 10,  # other scripts' digits match `\d`
    "139-0000-111",  # hyphens between the groups are read (test_fee_phone.py), but it is still 10 digits
    "abc",
]


def row_message(row: int) -> str:
    return f"Fee row {row}: A mainland mobile number has 11 digits and starts with 1."


@pytest.fixture
def world(app, session):
    officer, manager, contract = active_contract(app)
    recipient = make_user(Role.EVALUATOR)
    db.session.commit()
    return officer, manager, contract, recipient


def submit(app, contract, manager, *fees):
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[0], ReportInput(
            NARRATIVE, fees=list(fees)), actor=manager)
    db.session.commit()
    return report


def by_username(user, phone=""):
    return FeeInput("expert_fee", "", 80_000, local_today(), phone=phone, username=user.username)


def by_name(phone, name="王强"):
    return FeeInput("volunteer_allowance", name, 5_000, local_today(), phone=phone)


# --- a fee recipient's phone -------------------------------------------------------------------------------------

@pytest.mark.parametrize("phone", BAD_PHONES)
@pytest.mark.parametrize("found_by_username", [True, False])
def test_the_service_refuses_a_phone_that_is_not_a_mobile_number_and_changes_nothing(app, world, phone,
                                                                                     found_by_username):
    officer, manager, contract, recipient = world
    bad = by_username(recipient, phone) if found_by_username else by_name(phone)
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contract_reports.submit_report(contract.milestones[0], ReportInput(
            NARRATIVE, fees=[by_name(MOBILE), bad]), actor=manager)
    assert str(caught.value.fields["fees"]) == row_message(2)
    db.session.rollback()
    assert counts() == before
    assert contract.milestones[0].reports == []


def test_valid_phones_are_stored_as_typed_as_before(app, world):
    officer, manager, contract, recipient = world
    holder = make_user(Role.EVALUATOR)
    holder.phone = "13700001234"
    db.session.commit()
    report = submit(app, contract, manager, by_username(recipient, f" {MOBILE} "), by_username(recipient),
                    by_name(" 13800002222 "), by_name(holder.phone, name="李梅"))
    db.session.expire_all()
    stored = [(f.recipient_user_id, f.recipient_name, f.recipient_phone) for f in report.fees]
    # a phone that is a platform user's links the receipt to them, under the name the organisation typed
    assert stored == [(recipient.id, recipient.display_name, MOBILE), (recipient.id, recipient.display_name, ""),
                      (None, "王强", "13800002222"), (holder.id, "李梅", holder.phone)]
    assert last_event("contract.report_submitted").target_id == str(contract.id)


def test_the_report_page_names_the_row_of_a_bad_phone(client, login_as, world):
    officer, manager, contract, recipient = world
    login_as(manager)
    before = counts()
    today = local_today().isoformat()
    form = {"narrative": NARRATIVE,
            "fee-0-kind": "volunteer_allowance", "fee-0-name": "王强", "fee-0-phone": MOBILE,
            "fee-0-amount": "50", "fee-0-paid_on": today,
            # row 2 left empty: the error names the row on the page, not the position among filled rows
            "fee-2-kind": "expert_fee", "fee-2-username": recipient.username, "fee-2-phone": "1" * 25,
            "fee-2-amount": "800", "fee-2-paid_on": today}
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN, data=form)
    assert response.status_code == 422
    assert row_message(3) in html.unescape(response.get_data(as_text=True))
    assert counts() == before
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN,
                           data={**form, "fee-2-phone": "13600003333"})
    assert response.status_code == 302
    assert sorted(db.session.scalars(select(FeePayment.recipient_phone))) == ["13600003333", MOBILE]


def test_the_api_refuses_a_bad_phone_for_a_platform_user(client, world):
    officer, manager, contract, recipient = world
    headers = bearer(manager)
    path = f"/api/v1/milestones/{contract.milestones[0].id}/reports"
    fee = {"kind": "expert_fee", "username": recipient.username, "amount_fen": 80_000,
           "paid_on": local_today().isoformat()}
    before = counts()
    response = client.post(path, headers=headers, json={"narrative": NARRATIVE, "fees": [
        {**fee, "phone": MOBILE}, {**fee, "phone": "139000011112345678901"}]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["fields"]["fees"] == row_message(2)
    assert counts() == before
    ok = client.post(path, headers=headers, json={"narrative": NARRATIVE, "fees": [{**fee, "phone": MOBILE}]})
    assert ok.status_code == 201, ok.get_json()
    assert db.session.scalar(select(FeePayment.recipient_phone)) == MOBILE


# --- a recipient's reason ----------------------------------------------------------------------------------------

@pytest.fixture
def fee(app, world):
    officer, manager, contract, recipient = world
    return submit(app, contract, manager, by_username(recipient)).fees[0]


REASON_1000 = "款项未到账，" * 166 + "请核实。"  # 996 + 4 characters
REASON_1001 = REASON_1000 + "谢"
ITEM_200 = "社区长者上门探访服务社工补贴" * 14 + "四个月份"  # 196 + 4 characters


def test_the_fixtures_are_the_lengths_they_claim():
    assert (len(REASON_1000), len(REASON_1001), len(ITEM_200)) == (1000, 1001, 200)


def answered(fee) -> tuple:
    db.session.expire_all()
    fee = db.session.get(FeePayment, fee.id)
    return fee.status, fee.response_note, fee.responded_at


@pytest.mark.parametrize("to", [ReceiptStatus.DENIED, ReceiptStatus.CONFIRMED])
@pytest.mark.parametrize("reason", [REASON_1001, "x" * 5000])
def test_the_service_refuses_a_longer_reason_and_changes_nothing(app, world, fee, to, reason):
    recipient = world[3]
    before, status = counts(), answered(fee)
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contract_reports.transition_receipt(fee, to, actor=recipient, reason=reason)
    assert str(caught.value.fields["reason"]) == "A reason has at most 1000 characters."
    db.session.rollback()
    assert counts() == before and answered(fee) == status == (ReceiptStatus.UNCONFIRMED.value, "", None)


def test_a_reason_of_1000_characters_is_kept_whole(app, world, fee):
    recipient = world[3]
    with app.test_request_context():
        contract_reports.transition_receipt(fee, ReceiptStatus.DENIED, actor=recipient, reason=f"  {REASON_1000}\n")
    db.session.commit()
    assert answered(fee)[:2] == (ReceiptStatus.DENIED.value, REASON_1000)
    recorded = last_event("contract.fee_denied").data
    assert json.loads(recorded)["with_reason"] is True and REASON_1000[:20] not in recorded  # not the words


def test_the_api_refuses_a_longer_reason(client, world, fee):
    recipient = world[3]
    headers = bearer(recipient)
    before = counts()
    response = client.post(f"/api/v1/fee-receipts/{fee.id}/deny", headers=headers, json={"reason": REASON_1001})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["fields"]["reason"] == "A reason has at most 1000 characters."
    assert counts() == before and answered(fee)[0] == ReceiptStatus.UNCONFIRMED.value
    ok = client.post(f"/api/v1/fee-receipts/{fee.id}/deny", headers=headers, json={"reason": REASON_1000})
    assert ok.status_code == 200 and ok.get_json()["note"] == REASON_1000


def test_the_receipts_page_carries_the_limit_and_refuses_a_longer_reason(client, login_as, world, fee):
    recipient = world[3]
    login_as(recipient)
    page = client.get("/contracts/receipts", headers=EN).get_data(as_text=True)
    assert f'id="reason-{fee.id}"' in page and 'maxlength="1000"' in page and 'name="reason"' in page
    before = counts()
    response = client.post(f"/contracts/receipts/{fee.id}/deny", headers=EN, data={"reason": REASON_1001})
    assert response.status_code == 422
    assert "1000" in response.get_data(as_text=True)
    assert counts() == before and answered(fee)[0] == ReceiptStatus.UNCONFIRMED.value
    response = client.post(f"/contracts/receipts/{fee.id}/deny", headers=EN, data={"reason": REASON_1000})
    assert response.status_code == 302
    assert answered(fee)[:2] == (ReceiptStatus.DENIED.value, REASON_1000)


# --- a proposal's budget-line item -------------------------------------------------------------------------------

@pytest.fixture
def draft(app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    with app.test_request_context():
        call = published_call(officer)
        org = good_org(manager, officer)
        proposal = proposals.start_proposal(call, org, actor=manager)
        proposals.save_draft(proposal, full_data(), actor=manager)
    db.session.commit()
    return manager, proposal


def with_item(item: str) -> list[dict]:
    lines = budget(15_000_000)
    lines[0]["item"] = item
    return lines


@pytest.mark.parametrize("item", [ITEM_200 + "整", ITEM_200 + "x" * 300])
def test_a_longer_budget_item_is_refused_and_changes_nothing(app, draft, item):
    manager, proposal = draft
    before = counts()
    items = sorted(db.session.scalars(select(BudgetLine.item).where(BudgetLine.proposal_id == proposal.id)))
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        proposals.save_draft(proposal, full_data(budget_lines=with_item(item)), actor=manager)
    assert str(caught.value.fields["budget_lines"]) == "A budget line's item has at most 200 characters."
    db.session.rollback()
    assert counts() == before
    assert sorted(db.session.scalars(select(BudgetLine.item).where(BudgetLine.proposal_id == proposal.id))) == items


def test_a_budget_item_of_200_characters_is_kept_whole(app, draft):
    manager, proposal = draft
    with app.test_request_context():
        proposals.save_draft(proposal, full_data(budget_lines=with_item(f" {ITEM_200} ")), actor=manager)
    db.session.commit()
    assert ITEM_200 in db.session.scalars(select(BudgetLine.item).where(BudgetLine.proposal_id == proposal.id)).all()
