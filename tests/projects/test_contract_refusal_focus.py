"""The contract page refused for an expense or a change request: the first field to correct takes the focus
(autofocus), so that a phone opens the page again at it. These forms are screens below the top of the page, and it
opened at the top, where only 'Please correct the marked fields.' was to be seen."""

import re

import pytest

from core.db import db
from core.timeutil import local_today
from tests.projects.contract_helpers import accepted_report, active_contract


@pytest.fixture
def world(app, session):
    _officer, manager, contract = active_contract(app)
    db.session.commit()
    return manager, contract


def focused(page: str) -> list[str]:
    """The ids of the elements with autofocus."""
    return re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', page)


@pytest.mark.parametrize(("fields", "first"), [
    ({"amount": "一百"}, "expense-amount"),
    ({"amount": "一百", "payee": ""}, "expense-amount"),
    ({"payee": ""}, "expense-payee"),
])
def test_a_refused_expense_focuses_its_first_refused_field(client, login_as, world, fields, first):
    manager, contract = world
    login_as(manager)
    data = {"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(), "payee": "和平超市",
            "amount": "100", **fields}
    response = client.post(f"/contracts/{contract.id}/expenses", data=data)
    assert response.status_code == 422
    assert focused(response.text) == [first]


@pytest.mark.parametrize(("fields", "first"), [
    ({"kind": "budget", "amount": "", "reason": "活动调整"}, "change-budget-amount"),
    ({"kind": "schedule", "new_due_on": "", "reason": "换届"}, "change-schedule-new_due_on"),
])
def test_a_refused_change_request_focuses_its_first_refused_field(client, login_as, world, fields, first):
    manager, contract = world
    login_as(manager)
    lines, milestone = contract.lines, contract.milestones[0]
    data = {"from_line_id": lines[0].id, "to_line_id": lines[1].id, "milestone_id": milestone.id, **fields}
    response = client.post(f"/contracts/{contract.id}/changes", data=data)
    assert response.status_code == 422
    assert focused(response.text) == [first]


def test_the_page_unrefused_focuses_nothing(client, login_as, world):
    manager, contract = world
    login_as(manager)
    assert focused(client.get(f"/contracts/{contract.id}").text) == []


def test_a_milestone_whose_report_was_accepted_is_not_offered_to_be_moved(app, client, session, login_as):
    """It was offered (the accepted midterm first, chosen by default) and refused only once asked for."""
    officer, manager, contract = active_contract(app)
    first, second = contract.milestones[0], contract.milestones[1]
    accepted_report(app, contract, officer, manager, 0)
    db.session.commit()
    login_as(manager)
    form = client.get(f"/contracts/{contract.id}").text.split('id="schedule-change"')[1].split("</form>")[0]
    assert f'value="{second.id}"' in form and f'value="{first.id}"' not in form
