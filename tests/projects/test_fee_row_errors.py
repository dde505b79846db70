"""A progress report with several wrong fee rows, or several wrong activity rows, names every one of them (each
message names its row), not only the last: on the report page, in English, and in the API's `fields`; nothing is
saved."""

import html

import pytest

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract, bearer, counts

EN = {"Accept-Language": "en"}
NARRATIVE = "第一阶段：开展健康讲座，发放专家费和志愿者补贴。"
MOBILE = "13900001111"
PHONE = "Fee row {}: A mainland mobile number has 11 digits and starts with 1."
UNNAMED = "Fee row {}: Name each recipient: a platform user, or a name with an 11-digit mobile number."
NOBODY = "Fee row {}: No platform user is called “nobody-here”."
CROWD = "Activity row {}: The number of participants is a whole number from 0 to 1000000."
PLACE = "Activity row {}: An activity's place has at most 200 characters."


@pytest.fixture
def world(app, session):
    officer, manager, contract = active_contract(app)
    recipient = make_user(Role.EVALUATOR)
    db.session.commit()
    return manager, contract, recipient


def test_the_report_page_names_every_bad_row(client, login_as, world):
    manager, contract, recipient = world
    login_as(manager)
    today = local_today().isoformat()
    form = {"narrative": NARRATIVE,
            "activity-0-date": today, "activity-0-place": "和平社区活动室", "activity-0-participants": "2000000",
            "activity-1-date": today, "activity-1-place": "幸福里广场", "activity-1-participants": "30",
            "activity-2-date": today, "activity-2-place": "旁" * 201, "activity-2-participants": "20",
            "fee-0-kind": "volunteer_allowance", "fee-0-name": "王强", "fee-0-amount": "50", "fee-0-paid_on": today,
            "fee-1-kind": "expert_fee", "fee-1-username": recipient.username, "fee-1-amount": "800",
            "fee-1-paid_on": today,
            "fee-3-kind": "expert_fee", "fee-3-username": recipient.username, "fee-3-phone": "1" * 25,
            "fee-3-amount": "800", "fee-3-paid_on": today}
    before = counts()
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN, data=form)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    for message in (UNNAMED.format(1), PHONE.format(4), CROWD.format(1), PLACE.format(3)):
        assert message in page, message
    assert "row 2" not in page  # the good rows are not named
    assert counts() == before


def test_the_api_names_every_bad_row(client, world):
    manager, contract, recipient = world
    headers = bearer(manager)
    today = local_today().isoformat()
    good_fee = {"kind": "expert_fee", "username": recipient.username, "amount_fen": 80_000, "paid_on": today}
    good_activity = {"held_on": today, "place": "和平社区活动室", "participants": 20}
    before = counts()
    response = client.post(f"/api/v1/milestones/{contract.milestones[0].id}/reports", headers=headers, json={
        "narrative": NARRATIVE,
        "activities": [good_activity, {**good_activity, "place": "旁" * 201},
                       {**good_activity, "participants": 2_000_000}],
        "fees": [{**good_fee, "username": "nobody-here"}, good_fee, {**good_fee, "phone": "139000011112"}]})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["fees"] == f"{NOBODY.format(1)} {PHONE.format(3)}"
    assert fields["activities"] == f"{PLACE.format(2)} {CROWD.format(3)}"
    assert counts() == before
