"""An organisation's forms on its contract, refused: the page again (422, nothing written) with what was typed and each
reason beside its field. A progress report refused answered 200; a change request refused was a flash after a
redirect, the reason typed lost and the reason for the date said only at the top."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db
from projects.contract_change_models import ChangeRequest
from projects.contract_models import MilestoneReport
from tests.projects.contract_helpers import counts

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def world(contract_world):
    return contract_world


def test_a_refused_progress_report_is_a_422_with_the_narrative_kept(client, login_as, world):
    _officer, manager, contract = world
    login_as(manager)
    before = counts()
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN,
                           data={"narrative": "太短了", "output-0": "12"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="narrative-error"' in page and ">太短了</textarea>" in page
    assert counts() == before and db.session.scalar(select(MilestoneReport.id)) is None


def test_a_schedule_change_with_a_bad_date_is_refused_beside_the_date(client, login_as, world):
    _officer, manager, contract = world
    login_as(manager)
    before = counts()
    milestone = contract.milestones[1]
    response = client.post(f"/contracts/{contract.id}/changes", headers=EN, data={
        "kind": "schedule", "milestone_id": milestone.id, "new_due_on": "下个月", "reason": "社区活动室装修，活动延后"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r'id="change-schedule-new_due_on-error">Dates are YYYY-MM-DD.<', page)
    assert 'id="change-schedule-reason" maxlength="2000" value="社区活动室装修，活动延后"' in page  # kept as typed
    assert f'<option value="{milestone.id}" selected>' in page
    assert 'id="change-budget-reason" maxlength="2000" value=""' in page  # the other form is left as it was
    assert counts() == before


def test_a_budget_change_over_the_unspent_part_is_refused_beside_the_amount(client, login_as, world):
    _officer, manager, contract = world
    login_as(manager)
    before = counts()
    source, target = contract.lines[0], contract.lines[2]
    too_much = f"{(source.budget_fen - source.spent_fen) / 100 + 1:.2f}"
    response = client.post(f"/contracts/{contract.id}/changes", headers=EN, data={
        "kind": "budget", "from_line_id": source.id, "to_line_id": target.id, "amount": too_much, "reason": ""})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="change-budget-amount-error">Only the unspent part of a line can move' in page
    assert 'id="change-budget-reason-error">Please give a reason.<' in page
    assert f'value="{too_much}"' in page
    assert re.search(rf'name="to_line_id" id="change-budget-to_line_id" aria-invalid="true"|'
                     rf'<option value="{target.id}" selected>', page)
    assert counts() == before


def test_a_change_request_made_right_is_recorded(client, login_as, world):
    _officer, manager, contract = world
    login_as(manager)
    new_date = (contract.milestones[1].due_on + timedelta(days=14)).isoformat()
    response = client.post(f"/contracts/{contract.id}/changes", headers=ZH, data={
        "kind": "schedule", "milestone_id": contract.milestones[1].id, "new_due_on": new_date,
        "reason": "社区活动室装修，活动延后"})
    assert response.status_code == 302
    change = db.session.scalar(select(ChangeRequest))
    assert (change.kind, change.new_due_on.isoformat()) == ("schedule", new_date)


def test_the_change_forms_label_their_lines_as_lines_not_dates(client, login_as, world):
    _officer, manager, contract = world
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}", headers=ZH).get_data(as_text=True)
    assert '<label class="form-label small mb-1" for="change-budget-from_line_id">调出科目</label>' in page
    assert '<label class="form-label small mb-1" for="change-budget-to_line_id">调入科目</label>' in page
    assert "起始日期" not in page
