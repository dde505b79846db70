"""A contract's period has sensible bounds (only 'the end after the start' was checked, so a contract could run to
9999-12-31 or start in 1990): it starts no earlier than its award decision nor more than a year before it is drawn
up, at most a year ahead, and runs for at most three years; milestones stay within it. The drawing-up page shows
the refusal and keeps what was typed. A schedule change cannot move a milestone into the past."""

import html
import re
from datetime import UTC, date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db, utcnow
from core.errors import ServiceError
from core.timeutil import local_today
from projects import awards, calls, contract_changes, contracts, proposals
from projects.award_models import AwardDecision
from projects.contract_change_models import ChangeRequest
from projects.contract_models import Contract
from projects.enums import CallStatus, ProposalStatus
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract, awarded_decision, bearer, draft_form
from tests.projects.contract_helpers import shown_beside as beside
from tests.projects.helpers import good_org, published_call, ready_proposal

EN = {"Accept-Language": "en"}


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Contract.id))),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def decided(app, days_ago: int):
    """An awarded decision taken days_ago (the helper's is a year old)."""
    officer, decision, manager = awarded_decision(app)
    decision.decided_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return officer, decision


def milestones(start: date, end: date) -> list[contracts.MilestonePlan]:
    return [contracts.MilestonePlan("中期", start + (end - start) // 2, "中期报告"),
            contracts.MilestonePlan("末期", end, "总结报告")]


def draft(app, officer, decision, start: date, end: date) -> Contract:
    with app.test_request_context(), force_locale("en"):
        return contracts.draft_contract(decision, start, end, milestones(start, end), [40, 30, 30], "",
                                        actor=officer)


def refusal(app, officer, decision, start: date, end: date) -> dict:
    before = counts()
    with pytest.raises(ServiceError) as caught:
        draft(app, officer, decision, start, end)
    with app.test_request_context(), force_locale("en"):
        fields = {name: str(message) for name, message in caught.value.fields.items()}
    db.session.rollback()
    assert counts() == before
    return fields


# --- the start ---------------------------------------------------------------------------------------------------

def test_a_contract_cannot_start_before_its_award_was_decided(app, session):
    officer, decision = decided(app, days_ago=10)
    decided_on = local_today() - timedelta(days=10)
    end = local_today() + timedelta(days=300)
    expected = f"A contract cannot start before its award was decided ({decided_on.isoformat()})."
    assert refusal(app, officer, decision, decided_on - timedelta(days=1), end) == {"starts_on": expected}
    assert refusal(app, officer, decision, date(1990, 1, 1), end) == {"starts_on": expected}
    assert draft(app, officer, decision, decided_on, end).starts_on == decided_on  # the day itself


def test_a_contract_starts_at_most_a_year_before_it_is_drawn_up(app, session):
    officer, decision = decided(app, days_ago=3 * 365)  # an award never contracted for years
    earliest = local_today() - timedelta(days=365)
    expected = f"A contract can start at most a year before it is drawn up: {earliest.isoformat()} at the earliest."
    end = local_today() + timedelta(days=30)
    assert refusal(app, officer, decision, earliest - timedelta(days=1), end) == {"starts_on": expected}
    assert refusal(app, officer, decision, date(1990, 1, 1), end) == {"starts_on": expected}
    assert draft(app, officer, decision, earliest, end).starts_on == earliest


def test_a_contract_starts_at_most_a_year_ahead(app, session):
    officer, decision = decided(app, days_ago=10)
    latest = local_today() + timedelta(days=365)
    expected = f"A contract can start at most a year from today: {latest.isoformat()} at the latest."
    assert refusal(app, officer, decision, latest + timedelta(days=1), latest + timedelta(days=300)) == {
        "starts_on": expected}
    assert refusal(app, officer, decision, date(9999, 12, 30), date(9999, 12, 31)) == {"starts_on": expected}
    assert draft(app, officer, decision, latest, latest + timedelta(days=300)).starts_on == latest


# --- the length --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("start, last_day", [
    (date(2026, 3, 1), date(2029, 2, 28)),  # three years, both days included
    (date(2027, 1, 1), date(2029, 12, 31)),
    (date(2028, 2, 29), date(2031, 2, 27)),  # from 29 February: 28 February three years on, less a day
])
def test_the_latest_end_is_three_years_on(start, last_day):
    assert contracts.latest_end(start) == last_day


def test_a_contract_runs_for_at_most_three_years(app, session):
    officer, decision = decided(app, days_ago=10)
    start = local_today()
    last_day = contracts.latest_end(start)
    expected = (f"A contract runs for at most 3 years: starting on {start.isoformat()}, it ends on "
                f"{last_day.isoformat()} at the latest.")
    assert refusal(app, officer, decision, start, date(9999, 12, 31)) == {"ends_on": expected}
    assert refusal(app, officer, decision, start, last_day + timedelta(days=1)) == {"ends_on": expected}
    assert draft(app, officer, decision, start, last_day).ends_on == last_day


def test_the_end_still_comes_after_the_start(app, session):
    officer, decision = decided(app, days_ago=10)
    start = local_today()
    assert refusal(app, officer, decision, start, start) == {"ends_on": "The end must come after the start."}


def test_milestones_stay_within_the_period(app, session):
    officer, decision = decided(app, days_ago=10)
    start, end = local_today(), local_today() + timedelta(days=365)
    plan = [contracts.MilestonePlan("中期", end + timedelta(days=1), "中期报告")]
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contracts.draft_contract(decision, start, end, plan, [70, 30], "", actor=officer)
    assert set(caught.value.fields) == {"milestones"}


# --- the decision's date -----------------------------------------------------------------------------------------

def test_a_decision_is_dated_when_it_was_taken(app, session):
    """decide(now=...) dated the publicity but stamped the decision with the clock: the demo's calls decided months
    ago had decisions dated today, so their contracts would have started before their award."""
    officer, manager = make_user(Role.OFFICER), make_user()
    when = utcnow().replace(microsecond=0) - timedelta(days=40)
    with app.test_request_context():
        call = published_call(officer)
        proposal = ready_proposal(call, good_org(manager, officer, name="合同日期测试中心"), manager)
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=officer, now=after)
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=after)
        awards.decide(call, [awards.Ranked(proposal.id, 1, "80.00")], {proposal.id: 12_000_000}, "", 5,
                      actor=officer, now=when)
    decision = db.session.scalar(select(AwardDecision).where(AwardDecision.proposal_id == proposal.id))
    assert decision.decided_at.astimezone(UTC) == when


# --- the drawing-up page -----------------------------------------------------------------------------------------

def test_the_page_shows_the_refusal_and_keeps_what_was_typed(client, login_as, app, session):
    officer, decision = decided(app, days_ago=10)
    login_as(officer)
    start = local_today()
    middle = (start + timedelta(days=100)).isoformat()
    before = counts()
    response = client.post(f"/contracts/new/{decision.id}", headers=EN, data=draft_form(
        start, "9999-12-31", [("中期", middle, "中期报告"), ("末期", "9999-12-01", "总结报告")],
        [(40, 0), (30, 1), (30, "final")], clauses="按合同约定提供服务"))
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    last_day = contracts.latest_end(start).isoformat()
    assert f"A contract runs for at most 3 years: starting on {start.isoformat()}, it ends on {last_day}" in page
    assert counts() == before
    for kept in ('value="9999-12-31"', 'name="milestone-0-title" maxlength="200" value="中期"',  # nothing to type again
                 f'name="milestone-0-due_on" value="{middle}"', 'name="milestone-1-due_on" value="9999-12-01"',
                 "总结报告</textarea>", "按合同约定提供服务",
                 'name="tranche-2-percent" inputmode="numeric" maxlength="4" value="30"'):
        assert kept in page, kept


def _field_errors(page: str) -> dict[str, list[str]]:
    """The messages shown beside each field of the drawing-up form, by field name."""
    errors = {}
    for name, after in re.findall(r'<(?:input|textarea)[^>]*class="form-control is-invalid"[^>]*name="(\w+)"[^>]*>'
                                  r'(.*?)</div>\s*</div>', page, re.S):
        errors[name] = re.findall(r'<div class="invalid-feedback">(.*?)</div>', after + "</div>", re.S)
    return errors


def test_unreadable_milestones_and_shares_are_refused_beside_their_inputs_at_once(client, login_as, app, session):
    officer, decision = decided(app, days_ago=10)
    login_as(officer)
    before = counts()
    today = local_today().isoformat()
    rows = [("中期", today, "中期报告"), ("末期", "next spring", "总结")], [(40, 0), ("三十", 1), (30, "final")]
    response = client.post(f"/contracts/new/{decision.id}", headers=EN, data=draft_form(today, "", *rows))
    assert response.status_code == 422 and counts() == before
    page = html.unescape(response.get_data(as_text=True))
    assert set(_field_errors(page)) == {"ends_on"}  # the form's own check, and the rows' at the same time:
    assert beside(page, "milestone-1-due_on") == "Dates are YYYY-MM-DD."
    assert beside(page, "tranche-1-percent") == "Enter the share as a whole number of percent, e.g. 40."
    response = client.post(f"/contracts/new/{decision.id}", headers=EN, data=draft_form(
        today, (local_today() + timedelta(days=200)).isoformat(), *rows, clauses="条款"))
    assert response.status_code == 422 and counts() == before
    page = html.unescape(response.get_data(as_text=True))
    assert _field_errors(page) == {}
    assert beside(page, "milestone-1-due_on") == "Dates are YYYY-MM-DD."
    assert beside(page, "tranche-1-percent") == "Enter the share as a whole number of percent, e.g. 40."
    assert 'value="next spring"' in page and 'value="三十"' in page


def test_the_services_refusals_show_beside_their_fields(client, login_as, app, session):
    officer, decision = decided(app, days_ago=10)
    login_as(officer)
    before = counts()
    start = local_today()
    response = client.post(f"/contracts/new/{decision.id}", headers=EN, data=draft_form(
        start, start - timedelta(days=1), [("中期", start, "中期报告")], [(50, 0), (40, "final")],
        clauses="条" * (contracts.MAX_CLAUSES + 1)))
    assert response.status_code == 422 and counts() == before
    page = html.unescape(response.get_data(as_text=True))
    errors = _field_errors(page)
    assert errors["ends_on"] == ["The end must come after the start."]
    assert errors["clauses"] == [f"At most {contracts.MAX_CLAUSES} characters."]
    assert beside(page, "tranches") == "The tranche percentages must add up to exactly 100 (now 90)."


def test_full_width_shares_from_a_chinese_keyboard_are_read(client, login_as, app, session):
    officer, decision = decided(app, days_ago=10)
    login_as(officer)
    start = local_today()
    end = start + timedelta(days=300)
    response = client.post(f"/contracts/new/{decision.id}", headers=EN, data=draft_form(
        start, end, [("中期", start + timedelta(days=100), "中期报告")], [("６０", 0), ("４０％", "final")]))
    assert response.status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.proposal_id == decision.proposal_id))
    assert [t.percent for t in contract.tranches] == [60, 40]


def test_the_page_offers_the_start_window(client, login_as, app, session):
    officer, decision = decided(app, days_ago=10)
    login_as(officer)
    page = client.get(f"/contracts/new/{decision.id}", headers=EN).get_data(as_text=True)
    earliest, latest = local_today() - timedelta(days=10), local_today() + timedelta(days=365)
    assert f'max="{latest.isoformat()}" min="{earliest.isoformat()}"' in page
    assert f"value=\"{local_today().isoformat()}\"" in page
    assert "runs for at most 3 years" in html.unescape(page)


def test_the_page_draws_up_a_contract_within_the_bounds(client, login_as, app, session):
    officer, decision = decided(app, days_ago=10)
    login_as(officer)
    start, end = local_today(), contracts.latest_end(local_today())
    middle = start + timedelta(days=300)
    response = client.post(f"/contracts/new/{decision.id}", headers=EN, data=draft_form(
        start, end, [("中期", middle, "中期报告"), ("末期", end, "总结")], [(40, 0), (30, 1), (30, "final")]))
    assert response.status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.proposal_id == decision.proposal_id))
    assert (contract.starts_on, contract.ends_on) == (start, end)


# --- schedule changes --------------------------------------------------------------------------------------------

def test_a_schedule_change_cannot_move_a_milestone_into_the_past(client, app, session):
    officer, manager, contract = active_contract(app)  # started yesterday
    yesterday = local_today() - timedelta(days=1)
    milestone = contract.milestones[0]
    headers = bearer(manager)
    before = db.session.scalar(select(func.count(ChangeRequest.id)))
    response = client.post(f"/api/v1/contracts/{contract.id}/changes", headers=headers, json={
        "kind": "schedule", "milestone_id": milestone.id, "reason": "提前", "new_due_on": yesterday.isoformat()})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["new_due_on"] == "The new date cannot be in the past."
    assert db.session.scalar(select(func.count(ChangeRequest.id))) == before
    with app.test_request_context():
        change = contract_changes.request_change(contract, contract_changes.ChangeInput(
            "schedule", "提前", milestone_id=milestone.id, new_due_on=local_today()), actor=manager)
    assert change.new_due_on == local_today()  # today is still possible
