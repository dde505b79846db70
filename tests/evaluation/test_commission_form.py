"""Commissioning a project evaluation through its form: the evaluators are check boxes (name, seat and expertise,
agency), and a refused commission (a field out of range, nobody chosen, someone not eligible, one of the kind under
way, a contract not in force) answers 422 with the form as it was filled in, the reason beside the field and listed
at the top, and nothing saved."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.timeutil import local_today
from evaluation import project_services
from evaluation.enums import SeatType
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from projects.contract_models import ContractStatus
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import agency_with_evaluators, final_report, project_template
from tests.projects.contract_helpers import active_contract

EN = {"Accept-Language": "en"}


@pytest.fixture
def scene(app, session):
    officer, _manager, contract = active_contract(app)
    first = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    second = expert(SeatType.FINANCE, officer=officer)
    agency, staff = agency_with_evaluators(officer)
    with app.test_request_context():
        template = project_template(officer)
        final_report(contract)  # a final evaluation (the form's kind below) is commissioned after it
    db.session.commit()
    return {"officer": officer, "contract": contract, "first": first, "second": second, "agency": agency,
            "staff": staff, "template": template, "url": f"/evaluations/contracts/{contract.id}/new"}


def stored() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(ProjectEvaluation.id))),
            db.session.scalar(select(func.count(EvaluationAssignment.id))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


def form_data(scene, **changes) -> dict:
    data = {"kind": "final", "template_id": str(scene["template"].id), "agency_id": "",
            "evaluator_ids": [str(scene["second"].id)], "aggregation": "median",
            "due_on": (local_today() + timedelta(days=20)).isoformat()}
    return {**data, **changes}


def beside(page: str, name: str) -> str:
    """The reasons shown beside a field (empty when there is none), without their markup."""
    found = re.search(rf'id="{name}-error" class="field-errors">(.*?)</div></div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip() if found else ""


def box(page: str, user_id: int) -> str:
    """The check box of one evaluator offered."""
    return re.search(rf'<input[^>]*name="evaluator_ids"[^>]*value="{user_id}"[^>]*>', page).group(0)


def kept(page: str, data: dict) -> None:
    """The form shows what was sent: the choices selected, the date typed and the boxes ticked."""
    for name in ("kind", "template_id", "aggregation"):
        select_tag = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
        assert re.search(rf'<option selected value="{data[name]}"', select_tag), (name, select_tag)
    assert re.search(rf'name="due_on"[^>]*value="{data["due_on"]}"', page)
    for user_id in data["evaluator_ids"]:
        assert "checked" in box(page, int(user_id))


def test_each_evaluator_is_a_check_box_with_what_the_officer_chooses_by(client, login_as, scene):
    login_as(scene["officer"])
    page = client.get(scene["url"], headers=EN).get_data(as_text=True)
    assert not re.search(r'<select[^>]*name="evaluator_ids"', page)  # a multiple select needs Ctrl-click
    for user in (scene["first"], scene["second"], *scene["staff"]):
        assert 'type="checkbox"' in box(page, user.id) and "checked" not in box(page, user.id)
    second = re.search(rf'<li class="form-check" id="evaluator-{scene["second"].id}">(.*?)</li>', page, re.S).group(1)
    assert scene["second"].display_name in second and "Finance/audit expert" in second
    label = re.search(r'<label class="form-check-label" for="(evaluator_ids-\d+)"', second).group(1)
    assert f'id="{label}"' in second  # the whole label ticks the box (a finger-sized target)
    agency_group = page.split('id="evaluators-pool"')[1]
    assert f"Evaluators of {scene['agency'].name}" in agency_group
    staff_row = re.search(rf'id="evaluator-{scene["staff"][0].id}">(.*?)</li>', page, re.S).group(1)
    assert scene["staff"][0].display_name in staff_row and scene["agency"].name in staff_row


def test_a_due_date_out_of_range_is_refused_422_beside_it_with_the_input_kept(client, login_as, scene):
    login_as(scene["officer"])
    before = stored()
    data = form_data(scene, due_on=local_today().isoformat(), evaluator_ids=[str(scene["first"].id),
                                                                              str(scene["second"].id)])
    response = client.post(scene["url"], data=data, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert beside(page, "due_on") == "The due date must be in the future."
    assert 'href="#due_on"' in page.split('id="form-errors"')[1].split("</div>")[0]  # listed at the top
    kept(page, data)
    assert stored() == before


def test_nobody_chosen_is_refused_422_beside_the_evaluators(client, login_as, scene):
    login_as(scene["officer"])
    before = stored()
    data = form_data(scene, evaluator_ids=[], kind="midterm")
    response = client.post(scene["url"], data=data, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert beside(page, "evaluator_ids") == "Choose an agency or at least one evaluator."
    assert 'href="#evaluator_ids-0"' in page  # the summary at the top leads to the first box
    kept(page, data)
    assert stored() == before


def test_a_field_the_form_refuses_is_422_with_the_rest_kept(client, login_as, scene):
    login_as(scene["officer"])
    before = stored()
    data = form_data(scene, due_on="")
    response = client.post(scene["url"], data=data, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and beside(page, "due_on")
    kept(page, {**data, "due_on": ""})
    assert stored() == before


def test_one_of_the_kind_under_way_is_refused_422_beside_the_kind(client, login_as, app, scene):
    with app.test_request_context():
        project_services.commission(scene["contract"], "final", scene["template"], local_today() + timedelta(days=9),
                                    actor=scene["officer"], evaluator_ids=[scene["first"].id])
    db.session.commit()
    login_as(scene["officer"])
    before = stored()
    data = form_data(scene)
    response = client.post(scene["url"], data=data, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already has an evaluation of this kind under way" in page
    assert beside(page, "kind") == "One of this kind is already under way: finish or cancel it first."
    kept(page, data)
    assert stored() == before


def test_a_contract_not_in_force_is_refused_422_with_the_reason(client, login_as, scene):
    scene["contract"].status = ContractStatus.TERMINATED.value  # arranged directly, as a fixture
    db.session.commit()
    login_as(scene["officer"])
    before = stored()
    data = form_data(scene)
    response = client.post(scene["url"], data=data, headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Only a contract in force can be evaluated." in page
    kept(page, data)
    assert stored() == before


def test_an_agency_with_none_ticked_takes_all_its_evaluators_and_ticked_boxes_commission(client, login_as, scene):
    login_as(scene["officer"])
    made = client.post(scene["url"], data=form_data(scene, agency_id=str(scene["agency"].id), evaluator_ids=[]))
    assert made.status_code == 302
    evaluation = db.session.scalar(select(ProjectEvaluation).where(ProjectEvaluation.agency_org_id
                                                                   == scene["agency"].id))
    assert [a.user_id for a in evaluation.assignments] == [u.id for u in scene["staff"]]
    made = client.post(scene["url"], data=form_data(scene, kind="midterm", evaluator_ids=[
        str(scene["first"].id), str(scene["second"].id)]))
    assert made.status_code == 302
    evaluation = db.session.scalar(select(ProjectEvaluation).where(ProjectEvaluation.kind == "midterm"))
    assert [a.user_id for a in evaluation.assignments] == [scene["first"].id, scene["second"].id]


def test_with_nobody_eligible_the_page_says_so(client, login_as, app, session):
    officer, _manager, contract = active_contract(app)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluations/contracts/{contract.id}/new", headers=EN).get_data(as_text=True)
    assert 'id="no-evaluators"' in page and 'name="evaluator_ids"' not in page
