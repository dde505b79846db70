"""Bugs found in review of the evaluation package: each test failed before its fix."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.tokens import create_token
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from evaluation import panels, project_services, project_sheets, services
from evaluation.enums import SeatType
from evaluation.models import ExpertProfile, IndicatorTemplate, Panel
from projects import awards
from tests.evaluation.helpers import drawn_panel, expert, fully_scored
from tests.evaluation.project_helpers import (
    agency_with_evaluators,
    commissioned,
    final_report,
    project_template,
    score_all,
)
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract

HUGE = "99999999999999999999"


def bearer(user):
    _t, plain = create_token(user, "t", actor=user)
    return {"Authorization": f"Bearer {plain}"}


def test_declaring_on_a_huge_proposal_number_is_refused_not_a_500(app, client, session, login_as):
    officer = make_user(Role.OFFICER)
    _call, _orgs, _props, panel = drawn_panel(app, officer)
    member = panel.members[0]
    headers = bearer(member.user)
    db.session.commit()
    answer = client.post(f"/api/v1/evaluation/members/{member.id}/declarations",
                         json={"proposal_id": int(HUGE), "conflict": False}, headers=headers)
    assert answer.status_code == 422 and "proposal_id" in answer.get_json()["error"]["fields"]
    login_as(member.user)
    page = client.post(f"/evaluation/members/{member.id}/declare", data={"proposal_id": HUGE, "conflict": "no"})
    assert page.status_code == 422  # the form's refusal page (the number is out of range), not a 500
    assert services.declarations(member) == {}


def test_reopening_a_project_sheet_through_the_review_route_is_not_found(app, client, session, login_as):
    officer, _manager, _contract, evaluation, evaluators = commissioned(app)
    with app.test_request_context():
        score_all(evaluation, {evaluators[0].id: 70})
    sheet = project_sheets.existing_sheet(evaluation.assignments[0])
    db.session.commit()
    login_as(officer)
    assert client.post(f"/evaluation/sheets/{sheet.id}/reopen", data={"reason": "复核"}).status_code == 404
    assert client.post("/evaluation/sheets/reopen", data={"sheet_id": sheet.id, "reason": "复核"}).status_code == 404
    db.session.refresh(sheet)
    assert sheet.status == "submitted"


def test_an_expert_affiliation_beyond_the_integer_range_is_a_clear_error(app, client, session, login_as):
    officer = make_user(Role.OFFICER)
    evaluator = make_user(Role.EVALUATOR)
    db.session.commit()
    login_as(officer)
    answer = client.post("/evaluation/experts", data={"user_id": evaluator.id, "seat_type": "finance",
                                                      "affiliations": HUGE, "active": "y"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'id="expert-{evaluator.id}-affiliations-error">关联组织应填写组织编号' in page
    assert f'value="{HUGE}"' in page
    assert db.session.get(ExpertProfile, evaluator.id) is None


def test_template_titles_longer_than_their_column_and_empty_sections_are_field_errors(app, client, session,
                                                                                      login_as):
    officer = make_user(Role.OFFICER)
    db.session.commit()
    login_as(officer)
    before = db.session.query(IndicatorTemplate).count()
    for outline in ("需求分析\n- " + "长" * 201 + " | 100 | 指引",  # a criterion's title: VARCHAR(200)
                    "节" * 201 + "\n- 需求调研 | 100 | 指引",  # a section's title
                    "需求分析\n- 需求调研 | 100 | 指引\n空的一级指标"):  # a section without criteria
        page = client.post("/evaluation/templates", data={"name": "长标题模板", "outline": outline})
        assert page.status_code == 422, outline[-20:]
        assert "至多 200 个字符" in page.get_data(as_text=True) or "至少包含一项指标" in page.get_data(as_text=True)
    page = client.post("/evaluation/templates", data={"name": "名" * 121,
                                                      "outline": "需求分析\n- 需求调研 | 100 | 指引"})
    assert page.status_code == 422
    assert db.session.query(IndicatorTemplate).count() == before


def test_an_agency_evaluation_offers_the_agency_s_other_evaluators_to_add(app, client, session, login_as):
    officer, _manager, contract = active_contract(app)
    pool_expert = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        agency, staff = agency_with_evaluators(officer, n=2)
        final_report(contract)  # a final evaluation follows the last milestone's report
        evaluation = project_services.commission(contract, "final", project_template(officer),
                                                 local_today() + timedelta(days=30), actor=officer, agency=agency,
                                                 evaluator_ids=[staff[0].id])
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    offered = re.findall(r'<option[^>]*value="(\d+)"', page.split('name="user_id"', 1)[1].split("</select>")[0])
    # the service adds only the agency's own evaluators to an agency's evaluation
    assert offered == [str(staff[1].id)] and str(pool_expert.id) not in offered
    client.post(f"/evaluations/{evaluation.id}/evaluators", data={"user_id": staff[1].id})
    db.session.refresh(evaluation)
    assert {a.user_id for a in evaluation.assignments} == {staff[0].id, staff[1].id}


def test_no_member_is_replaced_once_the_review_is_decided(app, session):
    officer = make_user(Role.OFFICER)
    call, _orgs, props, ranking = fully_scored(app, officer)
    expert(SeatType.SOCIAL_SERVICE, officer=officer)  # someone who could be drawn
    with app.test_request_context():
        awards.decide(call, ranking, {props[2].id: 15_000_000}, "只设一个名额", 5, actor=officer)
        panel = db.session.scalar(select(Panel).where(Panel.call_id == call.id))
        before = {r.proposal_id: r.final for r in services.results(panel)}
        with pytest.raises(Conflict):
            panels.replace_member(panel.members[0], "absent", "未到场", actor=officer)
    db.session.expire_all()
    assert len(panel.members) == 3 and panel.members[0].status == "active"
    assert {r.proposal_id: r.final for r in services.results(panel)} == before
