"""The evaluation page's own forms refused: an evaluator's declaration is shown again (422) with the reason beside
the field and what was chosen kept; a refusal that is not about what was typed goes back to the page, flashed. The
commission page draws its agency choice as a select and its evaluators as check boxes."""

import re

from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from evaluation import project_services
from evaluation.project_models import EvaluationAssignment
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import commissioned
from tests.projects.contract_helpers import active_contract

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def stored() -> tuple:
    return (db.session.scalar(select(func.count(EvaluationAssignment.id))
                              .where(EvaluationAssignment.declared_at.is_not(None))),
            db.session.scalar(select(func.count(EvaluationAssignment.id))
                              .where(EvaluationAssignment.withdrawn_at.is_not(None))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


def _beside(page: str, field_id: str) -> str:
    found = re.search(rf'<div id="{field_id}-error" class="field-errors">(.*?)</div></div>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def test_a_refused_declaration_is_shown_beside_the_field_as_chosen(client, login_as, app, session):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app, declare=False)
    db.session.commit()
    login_as(evaluator)
    url = f"/evaluations/{evaluation.id}/declare"
    before = stored()

    nothing = client.post(url, data={"conflict": "", "relationship": ""}, headers=ZH)
    text = nothing.get_data(as_text=True)
    assert nothing.status_code == 422 and _beside(text, "conflict") == "请选择是否存在利益冲突。"
    assert 'id="declare-form"' in text and stored() == before

    unexplained = client.post(url, data={"conflict": "yes", "relationship": "  "}, headers=EN)
    text = unexplained.get_data(as_text=True)
    assert unexplained.status_code == 422 and _beside(text, "relationship") == "Describe the relationship."
    assert '<option selected value="yes">' in text  # the answer chosen is kept
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="relationship"[^>]*>', text).group(0)
    assert stored() == before

    done = client.post(url, data={"conflict": "yes", "relationship": "配偶在该机构任职"}, headers=EN)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(EvaluationAssignment, evaluation.assignments[0].id).relationship_note == "配偶在该机构任职"
    # declared already: not a matter of what was typed, back to the page with the reason
    again = client.post(url, data={"conflict": "no", "relationship": ""}, headers=EN, follow_redirects=True)
    assert "You have already declared for this evaluation." in again.get_data(as_text=True)


def test_withdrawing_someone_already_withdrawn_goes_back_to_the_page(client, login_as, app, session):
    officer, _manager, _contract, evaluation, (first, _second) = commissioned(app, n=2)
    target = evaluation.assignments[0]
    with app.test_request_context():
        project_services.withdraw_evaluator(target, "已更换评估人员", actor=officer)
    db.session.commit()
    login_as(officer)
    before = stored()
    again = client.post(f"/evaluations/{evaluation.id}/evaluators/{target.id}/withdraw", data={"text": "再撤一次"},
                        headers=EN)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/evaluations/{evaluation.id}")
    assert "already been withdrawn" in client.get(again.headers["Location"], headers=EN).get_data(as_text=True)
    assert stored() == before


def test_the_commission_page_draws_agencies_as_a_select_and_evaluators_as_check_boxes(client, login_as, app,
                                                                                      session):
    officer, _manager, contract = active_contract(app)
    pool = expert(officer=officer)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluations/contracts/{contract.id}/new", headers=EN).get_data(as_text=True)
    select_tag = re.search(r'<select[^>]*name="agency_id"[^>]*>', page).group(0)
    assert 'class="form-select' in select_tag, select_tag
    assert not re.search(r'<select[^>]*name="evaluator_ids"', page)  # a multiple select needs Ctrl-click
    box = re.search(rf'<input[^>]*value="{pool.id}"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and 'name="evaluator_ids"' in box and 'class="form-check-input' in box
