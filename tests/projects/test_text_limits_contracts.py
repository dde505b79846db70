"""Texts on a contract have limits, held by the service whoever calls it: a progress report's narrative (5000
characters) and each activity's description (1000), a change request's reason (2000), an officer's reasons for
returning a report or deciding a change (2000). Exactly the limit is stored whole; one more is refused — on the page,
in the API (422, the field named) and by the service — and changes nothing (rows and audit events)."""

import html

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from projects import contract_changes, contract_reports
from projects.contract_change_models import ChangeRequest, ChangeStatus
from projects.contract_models import MilestoneReport
from projects.contract_report_input import MAX_DESCRIPTION, ActivityInput, ReportInput
from projects.contract_report_models import ActivityRecord
from tests.projects.contract_helpers import bearer, counts

EN = {"Accept-Language": "en"}
NARRATIVE_MAX, DESCRIPTION_MAX, REASON_MAX = 5000, 1000, 2000
NARRATIVE_TOO_LONG = "The description of the work done has at most 5000 characters."
DESCRIPTION_TOO_LONG = "An activity's description has at most 1000 characters."
REASON_TOO_LONG = "A reason has at most 2000 characters."


def text(n: int) -> str:
    """n characters of Chinese text (a character at the end that a cut would lose)."""
    return ("第一阶段开展健康讲座" * (n // 10 + 1))[: n - 1] + "终"


@pytest.fixture
def world(contract_world):
    return contract_world


def test_the_limits_are_the_services():
    assert (contract_reports.MAX_NARRATIVE, MAX_DESCRIPTION, contract_changes.MAX_REASON,
            contract_reports.MAX_REVIEW_COMMENT) == (NARRATIVE_MAX, DESCRIPTION_MAX, REASON_MAX, REASON_MAX)
    assert [len(text(n)) for n in (10, 1000, 5001)] == [10, 1000, 5001]


# --- a progress report ------------------------------------------------------------------------------------------

def report_form(narrative: str, description: str = "") -> dict:
    return {"narrative": narrative, "activity-0-date": local_today().isoformat(), "activity-0-place": "社区活动室",
            "activity-0-participants": "20", "activity-0-description": description}


@pytest.mark.parametrize(("narrative", "description", "message"), [
    (text(NARRATIVE_MAX + 1), "", NARRATIVE_TOO_LONG),
    (text(20), text(DESCRIPTION_MAX + 1), DESCRIPTION_TOO_LONG)])
def test_the_report_page_refuses_a_longer_text_and_changes_nothing(client, login_as, world, narrative, description,
                                                                  message):
    officer, manager, contract = world
    login_as(manager)
    path = f"/contracts/milestones/{contract.milestones[0].id}/report"
    form_page = client.get(path, headers=EN).get_data(as_text=True)
    assert f'maxlength="{NARRATIVE_MAX}"' in form_page and f'maxlength="{DESCRIPTION_MAX}"' in form_page
    before = counts()
    response = client.post(path, headers=EN, data=report_form(narrative, description))
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    assert counts() == before


@pytest.mark.parametrize(("narrative", "description", "field", "message"), [
    (text(NARRATIVE_MAX + 1), "", "narrative", NARRATIVE_TOO_LONG),
    (text(20), text(DESCRIPTION_MAX + 1), "activities", f"Activity row 1: {DESCRIPTION_TOO_LONG}")])
def test_the_api_refuses_a_longer_report_text_and_changes_nothing(client, world, narrative, description, field,
                                                                  message):
    officer, manager, contract = world
    headers = bearer(manager)
    before = counts()
    response = client.post(f"/api/v1/milestones/{contract.milestones[0].id}/reports", headers=headers, json={
        "narrative": narrative, "activities": [{"held_on": local_today().isoformat(), "place": "社区活动室",
                                                "participants": 20, "description": description}]})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][field] == message
    assert counts() == before


def test_the_service_refuses_longer_report_texts_whoever_calls_it(app, world):
    officer, manager, contract = world
    before = counts()
    data = ReportInput(f"  {text(NARRATIVE_MAX + 1)}  ", activities=[ActivityInput(
        local_today(), "社区活动室", 20, text(DESCRIPTION_MAX + 1))])
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contract_reports.submit_report(contract.milestones[0], data, actor=manager)
    assert {k: str(v) for k, v in caught.value.fields.items()} == {
        "narrative": NARRATIVE_TOO_LONG, "activities": f"Activity row 1: {DESCRIPTION_TOO_LONG}"}
    db.session.rollback()
    assert counts() == before


def test_texts_of_exactly_the_limit_are_stored_whole_from_the_page_and_the_api(client, login_as, world):
    officer, manager, contract = world
    narrative, description = text(NARRATIVE_MAX), text(DESCRIPTION_MAX)
    login_as(manager)
    page = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN,
                       data=report_form(f" {narrative} ", description))
    assert page.status_code == 302
    api = client.post(f"/api/v1/milestones/{contract.milestones[1].id}/reports", headers=bearer(manager), json={
        "narrative": narrative, "activities": [{"held_on": local_today().isoformat(), "place": "社区活动室",
                                                "participants": 20, "description": description}]})
    assert api.status_code == 201, api.get_json()
    db.session.expire_all()
    assert list(db.session.scalars(select(MilestoneReport.narrative))) == [narrative, narrative]
    assert list(db.session.scalars(select(ActivityRecord.description))) == [description, description]


# --- a change request's reason, and the officers' reasons -------------------------------------------------------

def budget_change(contract, reason: str) -> dict:
    return {"kind": "budget", "from_line_id": contract.lines[0].id, "to_line_id": contract.lines[1].id,
            "reason": reason}


def test_the_change_form_refuses_a_longer_reason_and_changes_nothing(client, login_as, world):
    officer, manager, contract = world
    login_as(manager)
    assert f'maxlength="{REASON_MAX}"' in client.get(f"/contracts/{contract.id}", headers=EN).get_data(as_text=True)
    before = counts()
    response = client.post(f"/contracts/{contract.id}/changes", headers=EN,
                           data={**budget_change(contract, text(REASON_MAX + 1)), "amount": "100"})
    assert response.status_code == 422  # the page's form (projects.forms.ReasonForm) says it first, naming the field
    assert "<strong>Reason</strong>: Field cannot be longer than 2000 characters." in html.unescape(
        response.get_data(as_text=True))
    assert counts() == before
    response = client.post(f"/contracts/{contract.id}/changes", headers=EN,
                           data={**budget_change(contract, text(REASON_MAX)), "amount": "100"})
    assert response.status_code == 302
    assert db.session.scalar(select(ChangeRequest.reason)) == text(REASON_MAX)


def test_the_api_refuses_a_longer_change_reason_and_changes_nothing(client, world):
    officer, manager, contract = world
    headers = bearer(manager)
    path = f"/api/v1/contracts/{contract.id}/changes"
    before = counts()
    response = client.post(path, headers=headers, json={**budget_change(contract, text(REASON_MAX + 1)),
                                                        "amount_fen": 10_000})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["reason"] == REASON_TOO_LONG
    assert counts() == before
    ok = client.post(path, headers=headers, json={**budget_change(contract, text(REASON_MAX)), "amount_fen": 10_000})
    assert ok.status_code == 201, ok.get_json()
    db.session.expire_all()
    assert db.session.scalar(select(ChangeRequest.reason)) == text(REASON_MAX)


def test_the_services_refuse_longer_reasons_of_officers(app, world):
    officer, manager, contract = world
    with app.test_request_context():
        change = contract_changes.request_change(contract, contract_changes.ChangeInput(
            "budget", "调整预算", from_line_id=contract.lines[0].id, to_line_id=contract.lines[1].id,
            amount_fen=10_000), actor=manager)
        report = contract_reports.submit_report(contract.milestones[0],
                                                ReportInput(text(20), outputs={"探访": 10}),
                                                actor=manager)
    db.session.commit()
    before = counts()
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(ServiceError) as caught:
            contract_changes.transition_change(change, ChangeStatus.REJECTED, actor=officer,
                                               reason=text(REASON_MAX + 1))
        assert str(caught.value.fields["reason"]) == REASON_TOO_LONG
        db.session.rollback()
        with pytest.raises(ServiceError) as caught:
            contract_reports.review_report(report, False, text(REASON_MAX + 1), actor=officer)
        assert str(caught.value.fields["comment"]) == REASON_TOO_LONG
        db.session.rollback()
    assert counts() == before
    assert (change.status, report.status) == ("requested", "submitted")
    with app.test_request_context():
        contract_changes.transition_change(change, ChangeStatus.REJECTED, actor=officer, reason=text(REASON_MAX))
        contract_reports.review_report(report, False, text(REASON_MAX), actor=officer)
    db.session.commit()
    db.session.expire_all()
    assert (change.decision_reason, report.comment) == (text(REASON_MAX), text(REASON_MAX))
