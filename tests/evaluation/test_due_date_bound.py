"""A project evaluation's due date has a bound: at most a year after the contract ends (2099-01-01 was accepted),
or, for a contract that ended longer ago, at most a year from today."""

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from evaluation import project_services
from evaluation.enums import SeatType
from evaluation.project_models import ProjectEvaluation
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import final_report, project_template
from tests.factories import login
from tests.projects.contract_helpers import active_contract

EN = {"Accept-Language": "en"}


@pytest.fixture
def scene(app, session):
    officer, _manager, contract = active_contract(app)  # ends a year from today
    evaluator = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        template = project_template(officer)
        final_report(contract)  # the final evaluations below are commissioned after it
    db.session.commit()
    return officer, contract, evaluator, template


def evaluations() -> int:
    return db.session.scalar(select(func.count(ProjectEvaluation.id)))


def commission(app, scene, due_on: date):
    officer, contract, evaluator, template = scene
    with app.test_request_context(), force_locale("en"):
        return project_services.commission(contract, "final", template, due_on, actor=officer,
                                           evaluator_ids=[evaluator.id])


def refusal(app, scene, due_on: date) -> str:
    before = evaluations()
    with pytest.raises(ServiceError) as caught:
        commission(app, scene, due_on)
    with app.test_request_context(), force_locale("en"):
        message = str(caught.value.fields["due_on"])
    db.session.rollback()
    assert evaluations() == before
    return message


def test_a_due_date_more_than_a_year_after_the_contract_ends_is_refused(app, scene):
    latest = scene[1].ends_on + timedelta(days=365)
    expected = f"The due date can be at most a year after the contract ends: {latest.isoformat()} at the latest."
    assert refusal(app, scene, date(2099, 1, 1)) == expected
    assert refusal(app, scene, latest + timedelta(days=1)) == expected
    assert commission(app, scene, latest).due_on == latest


def test_a_contract_that_ended_long_ago_can_be_evaluated_within_a_year_from_today(app, scene):
    contract = scene[1]
    contract.ends_on = local_today() - timedelta(days=800)  # arranged directly, as a fixture
    latest = local_today() + timedelta(days=365)
    assert refusal(app, scene, latest + timedelta(days=1)) == (
        f"The contract has ended: the due date can be at most a year from today, {latest.isoformat()} at the latest.")
    assert commission(app, scene, latest).due_on == latest


def test_the_past_is_still_refused(app, scene):
    assert refusal(app, scene, local_today()) == "The due date must be in the future."


def test_the_commission_form_refuses_2099_and_saves_nothing(client, scene):
    officer, contract, evaluator, template = scene
    login(client, officer.username)
    before = evaluations()
    response = client.post(f"/evaluations/contracts/{contract.id}/new", headers=EN, data={
        "kind": "final", "template_id": str(template.id), "agency_id": "", "evaluator_ids": [str(evaluator.id)],
        "aggregation": "mean", "due_on": "2099-01-01"})
    assert response.status_code == 422
    assert "The due date can be at most a year after the contract ends" in response.get_data(as_text=True)
    db.session.expire_all()
    assert evaluations() == before
