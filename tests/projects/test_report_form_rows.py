"""On the progress report page, what cannot be read in an activity or fee row (participants not a number, a malformed
date, an amount that is not yuan) is refused naming its row, in the words the service's own row checks use ("Activity
row 2: …", "活动第 2 行：…"), every bad row at once; good rows are not named and nothing is saved."""

import html

import pytest
from sqlalchemy import select

from core.db import db
from core.timeutil import local_today
from projects.contract_report_models import FeePayment
from tests.projects.contract_helpers import active_contract, counts

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
NARRATIVE = "第一阶段：开展健康讲座，发放志愿者补贴。"
CROWD = "The number of participants is a whole number from 0 to 1000000."
DATES = "Dates are YYYY-MM-DD."
YUAN = "Enter the amount in yuan, e.g. 800 or 800.50."


@pytest.fixture
def world(app, session):
    officer, manager, contract = active_contract(app)
    db.session.commit()
    return manager, contract


def activity(i: int, date: str, participants: str = "20") -> dict:
    return {f"activity-{i}-date": date, f"activity-{i}-place": f"活动室{i}", f"activity-{i}-participants": participants}


def fee(i: int, amount: str, paid_on: str) -> dict:
    return {f"fee-{i}-kind": "volunteer_allowance", f"fee-{i}-name": "王强", f"fee-{i}-phone": "13900001111",
            f"fee-{i}-amount": amount, f"fee-{i}-paid_on": paid_on}


def post(client, contract, headers, **rows) -> str:
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=headers,
                           data={"narrative": NARRATIVE, **rows})
    assert response.status_code == 422
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("rows, message", [
    ({**activity(0, "{today}"), **activity(1, "{today}", "二十")}, f"Activity row 2: {CROWD}"),
    ({**activity(0, "{today}"), **activity(1, "2024-13-01")}, f"Activity row 2: {DATES}"),
    ({**fee(0, "50", "{today}"), **fee(1, "五十元", "{today}")}, f"Fee row 2: {YUAN}"),
    ({**fee(0, "50", "{today}"), **fee(1, "50", "yesterday")}, f"Fee row 2: {DATES}"),
])
def test_an_unreadable_row_2_is_named(client, login_as, world, rows, message):
    manager, contract = world
    login_as(manager)
    today = local_today().isoformat()
    before = counts()
    page = post(client, contract, EN, **{k: v.format(today=today) for k, v in rows.items()})
    assert message in page, message
    assert "row 1" not in page  # the good row is not named
    assert counts() == before


def test_every_unreadable_row_is_named_not_only_the_first(client, login_as, world):
    manager, contract = world
    login_as(manager)
    today = local_today().isoformat()
    before = counts()
    page = post(client, contract, EN, **activity(0, "01/02/2024"), **activity(1, today), **activity(2, today, "many"),
                **fee(0, "8.123", today), **fee(1, "50", today), **fee(2, "50", ""), **fee(3, "-", today))
    for message in (f"Activity row 1: {DATES}", f"Activity row 3: {CROWD}", f"Fee row 1: {YUAN}",
                    f"Fee row 3: {DATES}", f"Fee row 4: {YUAN}"):
        assert message in page, message
    assert "Activity row 2" not in page and "Fee row 2" not in page
    assert counts() == before


def test_the_row_is_named_in_chinese(client, login_as, world):
    manager, contract = world
    login_as(manager)
    today = local_today().isoformat()
    page = post(client, contract, ZH, **activity(0, today), **activity(1, today, "abc"),
                **fee(0, "50", today), **fee(1, "abc", today))
    assert "活动第 2 行：参与人数须为 0 至 1000000 之间的整数。" in page
    assert "费用第 2 行：请以元为单位填写金额，例如 800 或 800.50。" in page
    assert "第 1 行" not in page


def test_readable_rows_still_reach_the_services_row_checks(client, login_as, world):
    manager, contract = world
    login_as(manager)
    today = local_today().isoformat()
    page = post(client, contract, EN, **activity(0, today), **activity(1, today, "2000000"))
    assert f"Activity row 2: {CROWD}" in page and "Activity row 1" not in page
    before = counts()
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN,
                           data={"narrative": NARRATIVE, **activity(0, today), **activity(1, today),
                                 **fee(0, "50.50", today)})
    assert response.status_code == 302
    after = counts()
    assert (after["MilestoneReport"], after["ActivityRecord"], after["FeePayment"]) == \
        (before["MilestoneReport"] + 1, before["ActivityRecord"] + 2, before["FeePayment"] + 1)
    assert db.session.scalar(select(FeePayment.amount_fen)) == 5050


def test_an_unreadable_or_out_of_range_output_names_its_target(client, login_as, world):
    manager, contract = world
    login_as(manager)
    indicator = contract.outputs[0]["indicator"]
    rule = "Outputs achieved are whole numbers from 0 to 1000000000."
    before = counts()
    for typed in ("很多", "-5"):
        page = post(client, contract, EN, **{"output-0": typed})
        assert f"Output “{indicator}”: {rule}" in page, typed
    assert f"产出“{indicator}”" in post(client, contract, ZH, **{"output-0": "很多"})
    assert counts() == before


def test_unreadable_rows_and_the_services_checks_are_reported_together(client, login_as, world):
    """One refusal names everything: the manager attaches the files again once, not once per round."""
    manager, contract = world
    login_as(manager)
    today = local_today().isoformat()
    future = "2999-01-01"
    before = counts()
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN, data={
        "narrative": "太短", **activity(0, future), **activity(1, today, "二十"),
        **fee(0, "abc", today), **fee(1, "50", today), "fee-1-phone": "12345"})
    assert response.status_code == 422 and counts() == before
    page = html.unescape(response.get_data(as_text=True))
    for message in ("Describe the work done (at least 10 characters).",
                    f"Activity row 2: {CROWD}",  # could not be read
                    "Activity row 1: Activities are dated within the contract period, and not in the future.",
                    f"Fee row 1: {YUAN}",  # could not be read
                    "Fee row 2: A mainland mobile number has 11 digits and starts with 1."):
        assert message in page, message
    assert 'id="files-again"' not in page  # the files chosen are kept now (tests/projects/test_kept_files.py)


def test_every_reason_of_a_row_is_named_at_once(client, login_as, world):
    """A row with several faults names them all in one refusal, what the form could not read included: before, a row
    whose participants could not be read was left out, so its future date was reported only on the next round."""
    manager, contract = world
    login_as(manager)
    future = "2999-01-01"
    before = counts()
    page = post(client, contract, EN, **activity(0, future, "二十"),
                **{**fee(0, "abc", future), "fee-0-phone": "12345"})
    assert (f"Activity row 1: {CROWD} Activities are dated within the contract period, and not in the future."
            in page)
    assert ("Fee row 1: A mainland mobile number has 11 digits and starts with 1. "
            f"{YUAN} Payments are dated within the contract period, and not in the future." in page)
    assert counts() == before


def test_counts_typed_with_grouping_or_full_width_digits_are_read(client, login_as, world):
    """'1,200' participants and an output of '１，２００' (a Chinese keyboard's digits and comma) are stored as 1200;
    int() refused both, so the report came back with the row named."""
    from projects.contract_models import MilestoneReport
    from projects.contract_report_models import ActivityRecord

    manager, contract = world
    login_as(manager)
    indicator = contract.outputs[0]["indicator"]
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=ZH,
                           data={"narrative": NARRATIVE, "output-0": "１，２００",
                                 **activity(0, local_today().isoformat(), "1,200")})
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[:2000]
    report = db.session.scalars(select(MilestoneReport).where(
        MilestoneReport.milestone_id == contract.milestones[0].id)).one()
    assert [(row["indicator"], row["achieved"]) for row in report.outputs] == [(indicator, 1200)]
    assert db.session.scalars(select(ActivityRecord.participants).where(
        ActivityRecord.report_id == report.id)).all() == [1200]
