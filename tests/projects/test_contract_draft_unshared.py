"""The drawing-up page's tranche rows come with their milestone chosen (1, 2, then the final evaluation). Refused
before any share was typed, the page came back with two blank tranche rows and said to add the last tranche, which
the officer had never removed; now each row comes back with the milestone it had.
The contract's period is refused together with the rows."""

from datetime import timedelta

import pytest

from core.db import db
from projects.contract_forms import FINAL, plan_rows
from tests.projects.contract_helpers import awarded_decision
from tests.projects.test_contract_draft_rows import END, MID, TODAY, beside, contract_of, draft_form, post, value_of


@pytest.fixture
def officer_and_decision(app, client, login_as, session):
    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    return officer, decision


def test_the_first_visits_rows_sent_back_unshared_come_back_as_they_were(client, officer_and_decision):
    _officer, decision = officer_and_decision
    data = draft_form(TODAY, "", [("", ""), ("", "")], [("", 0), ("", 1), ("", FINAL)])
    response, page = post(client, decision, data)
    assert response.status_code == 422 and contract_of(decision) is None
    assert [value_of(page, f"tranche-{k}-milestone") for k in range(4)] == ["0", "1", "final", None]
    assert "Add the last tranche" not in (beside(page, "tranches") or "")
    assert beside(page, "tranche-2-percent") == "Enter the share as a whole number of percent, e.g. 40."


def test_a_typed_milestone_keeps_its_unshared_tranche_and_an_empty_one_its_place(client, officer_and_decision):
    _officer, decision = officer_and_decision
    data = draft_form(TODAY, END, [("", ""), ("中期", MID)], [("", 1), ("", 0), (100, FINAL)])
    response, page = post(client, decision, data)
    assert response.status_code == 422
    assert value_of(page, "milestone-0-title") == "中期"
    # the rows in the order typed: milestone 2 (now 1) is milestone 1, the empty row 0 is row 2, then the final
    assert [value_of(page, f"tranche-{k}-milestone") for k in range(3)] == ["0", "1", "final"]
    assert beside(page, "milestone-0") is None  # its tranche is there, its share still to type
    assert beside(page, "tranche-0-percent") == "Enter the share as a whole number of percent, e.g. 40."
    assert beside(page, "tranche-1-percent") is None  # (its milestone was left empty: not one to pay for)


def test_rows_without_a_share_are_never_tranches():
    rows = plan_rows({"milestone-0-title": "中期", "milestone-0-due_on": str(TODAY + timedelta(days=30)),
                      "tranche-0-percent": "", "tranche-0-milestone": "0",
                      "tranche-1-percent": "", "tranche-1-milestone": "7"})
    assert rows.shared() == [] and rows.tranches == [{"percent": "", "milestone": "0"}]


def test_the_period_is_refused_with_the_rows_not_on_the_next_attempt(client, officer_and_decision):
    """An end before the start was said only once the rows were right, on a second attempt."""
    _officer, decision = officer_and_decision
    data = draft_form(TODAY, TODAY - timedelta(days=6), [("中期", MID)], [(40, 0), (50, FINAL)])
    response, page = post(client, decision, data)
    assert response.status_code == 422 and contract_of(decision) is None
    assert "The end must come after the start." in page
    assert beside(page, "tranches") == "The tranche percentages must add up to exactly 100 (now 90)."
