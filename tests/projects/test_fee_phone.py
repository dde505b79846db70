"""A fee recipient's mobile number on a progress report is read as people type it (spaces or hyphens between the
groups, full-width digits from a Chinese IME) and stored as its 11 ASCII digits, so a platform user's number typed so
still finds them; a number that is none is still refused, its reason beside its row on the page (the row's typed
values kept), and nothing is saved. A milestone that cannot take a report says so instead of offering the form."""


import html
import re

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from projects.contract_report_models import FeePayment
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract, bearer, counts

EN = {"Accept-Language": "en"}
WRONG = "Fee row 2: A mainland mobile number has 11 digits and starts with 1."
NARRATIVE = "第一阶段：开展健康讲座，发放志愿者补贴。"


@pytest.fixture
def world(app, session):
    officer, manager, contract = active_contract(app)
    holder = make_user(Role.RESIDENT, display_name="张志愿")
    holder.phone = "13700001234"
    db.session.commit()
    return manager, contract, holder


def fee(i: int, name: str, phone: str, amount: str = "50") -> dict:
    return {f"fee-{i}-kind": "volunteer_allowance", f"fee-{i}-name": name, f"fee-{i}-phone": phone,
            f"fee-{i}-amount": amount, f"fee-{i}-paid_on": local_today().isoformat()}


def report_url(contract) -> str:
    return f"/contracts/milestones/{contract.milestones[0].id}/report"


def test_phones_typed_with_spaces_or_full_width_digits_are_stored_as_digits(client, login_as, world):
    manager, contract, holder = world
    login_as(manager)
    response = client.post(report_url(contract), data={
        "narrative": NARRATIVE, **fee(0, "王强", "138 0013 8000"), **fee(1, "李华", "１３９００１３９０００", "300.5"),
        **fee(2, "小张", "137-0000-1234")})
    assert response.status_code == 302
    fees = list(db.session.scalars(select(FeePayment).where(FeePayment.contract_id == contract.id)
                                   .order_by(FeePayment.id)))
    assert [(f.recipient_name, f.recipient_phone) for f in fees] == [
        ("王强", "13800138000"), ("李华", "13900139000"), ("小张", "13700001234")]
    # The platform user's number, typed with hyphens, still links them (they confirm receipt themselves), under the
    # name the organisation typed.
    assert [f.recipient_user_id for f in fees] == [None, None, holder.id]


def test_a_wrong_number_is_refused_beside_its_row(client, login_as, world):
    manager, contract, _holder = world
    login_as(manager)
    before = counts()
    response = client.post(report_url(contract), headers=EN, data={
        "narrative": NARRATIVE, **fee(0, "王强", "138 0013 8000"), **fee(1, "李华", "139 0013 900")})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    row = re.search(r'<fieldset[^>]*id="fee-1"[^>]*>.*?</fieldset>', page, re.S).group(0)
    assert 'aria-invalid="true"' in row and 'aria-describedby="fee-1-error"' in row
    assert re.search(r'id="fee-1-error">' + re.escape(WRONG) + "<", row)
    assert 'value="139 0013 900"' in row and 'value="李华"' in row  # kept, to correct
    good = re.search(r'<fieldset[^>]*id="fee-0"[^>]*>.*?</fieldset>', page, re.S).group(0)
    assert "fee-0-error" not in good and 'value="138 0013 8000"' in good
    assert page.count(WRONG) == 1  # beside its row, not again at the top
    assert counts() == before


def test_the_api_reads_the_typed_number_too(client, world):
    manager, contract, _holder = world
    answer = client.post(f"/api/v1/milestones/{contract.milestones[0].id}/reports", headers=bearer(manager),
                         json={"narrative": NARRATIVE, "fees": [
                             {"kind": "expert_fee", "name": "刘洋", "phone": "１３８ ００１３ ８０００",
                              "amount_fen": 80_000, "paid_on": local_today().isoformat()}]})
    assert answer.status_code == 201, answer.get_json()
    assert db.session.scalar(select(FeePayment.recipient_phone).where(
        FeePayment.contract_id == contract.id)) == "13800138000"
    wrong = client.post(f"/api/v1/milestones/{contract.milestones[1].id}/reports", headers=bearer(manager),
                        json={"narrative": NARRATIVE, "fees": [
                            {"kind": "expert_fee", "name": "刘洋", "phone": "138 0013 800", "amount_fen": 80_000,
                             "paid_on": local_today().isoformat()}]})
    assert wrong.status_code == 422
    assert "A mainland mobile number has 11 digits" in wrong.get_json()["error"]["fields"]["fees"]


def test_a_milestone_with_a_report_waiting_says_so_instead_of_the_form(client, login_as, world):
    manager, contract, _holder = world
    login_as(manager)
    assert client.post(report_url(contract), data={"narrative": NARRATIVE, **fee(0, "王强", "13800138000")}
                       ).status_code == 302
    page = html.unescape(client.get(report_url(contract), headers=EN).text)
    assert 'id="report-closed"' in page and "This milestone already has a report waiting or accepted." in page
    assert 'id="report-form"' not in page
    assert 'id="report-closed"' not in client.get(
        f"/contracts/milestones/{contract.milestones[1].id}/report").text  # the next milestone's form is there


def test_a_sections_reason_is_beside_it_and_the_top_only_says_to_correct(client, login_as, world):
    manager, contract, _holder = world
    login_as(manager)
    page = html.unescape(client.post(report_url(contract), headers=EN, data={
        "narrative": "太短", "activity-1-date": "2000-01-01", "activity-1-place": "活动室",
        "activity-1-participants": "二十"}).text)
    assert re.search(r'<textarea class="form-control is-invalid" id="narrative"[^>]*aria-describedby="narrative-error"',
                     page)
    assert 'id="narrative-error">Describe the work done (at least 10 characters).<' in page
    row = re.search(r'<fieldset[^>]*id="activity-1"[^>]*>.*?</fieldset>', page, re.S).group(0)
    assert 'id="activity-1-error">Activity row 2: ' in row and 'value="二十"' in row
    alert = re.search(r'<div class="alert alert-danger[^>]*>(.*?)</div>', page, re.S).group(1)
    assert "Please correct the marked fields." in alert and "Activity row" not in alert and "Describe" not in alert
