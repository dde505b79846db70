"""The last tranche is payable exactly when both hold, in either order: the report on the last milestone (末期)
accepted, and the final evaluation passed (合格 or better, or 不合格 with its rectification verified,
整改验收合格). A final evaluation is commissioned only once that report is in; the contract page says what the last
tranche waits for."""

import html
import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from evaluation import project_report, project_services, rectification
from evaluation.enums import SeatType
from evaluation.project_enums import EvaluationStatus, TaskStatus
from evaluation.project_models import ProjectEvaluation
from projects import contract_money, contract_reports
from projects.contract_models import ContractStatus, TrancheStatus
from projects.final_tranche import final_tranche
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import (
    commissioned,
    final_report,
    half_points_for_total,
    project_template,
    score_all,
)
from tests.orgs.helpers import Upload
from tests.projects.contract_helpers import accepted_report, active_contract

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def released() -> list[dict]:
    return [json.loads(e.data) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contract.final_tranche_released").order_by(AuditEvent.seq))]


def last_status(contract) -> str:
    tranche = final_tranche(contract)
    db.session.refresh(tranche)
    return tranche.status


def issue(app, evaluation, ev, total_half: int) -> None:
    """The evaluator scores (total_half half points: 150 is 75, 合格; 119 is 59.5, 不合格) and issues the report."""
    with app.test_request_context():
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, total_half)})
        project_report.issue_report(evaluation, "评估结论：依据核查情况评定。", [], actor=ev)


def accept_final_report(app, contract, officer) -> None:
    with app.test_request_context():
        contract_reports.review_report(contract.milestones[-1].latest_report, True, "材料齐全。", actor=officer)


def evaluations() -> int:
    return db.session.scalar(select(func.count(ProjectEvaluation.id)))


# --- both conditions, in either order ---------------------------------------------------------------

def test_report_accepted_first_then_the_evaluation_passing_makes_the_last_tranche_payable(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    accepted_report(app, contract, officer, manager, index=0)
    accept_final_report(app, contract, officer)
    assert contract.tranches[1].status == TrancheStatus.PAYABLE  # the last milestone's own tranche
    assert last_status(contract) == TrancheStatus.PENDING and released() == []  # no evaluation passed yet
    issue(app, evaluation, ev, 150)
    assert evaluation.status == EvaluationStatus.COMPLETED
    assert last_status(contract) == TrancheStatus.PAYABLE
    (event,) = released()
    assert event["evaluation_id"] == evaluation.id and event["milestone_id"] == contract.milestones[-1].id


def test_evaluation_passing_first_then_the_report_accepted_makes_the_last_tranche_payable(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)  # the last report submitted, not accepted
    issue(app, evaluation, ev, 150)
    assert evaluation.status == EvaluationStatus.COMPLETED and evaluation.grade == "pass"
    assert last_status(contract) == TrancheStatus.PENDING and released() == []  # the walk's bug: it was payable
    with pytest.raises(Conflict), app.test_request_context():
        contract_money.pay_tranche(final_tranche(contract), "转账末期", local_today(), actor=officer)
    accepted_report(app, contract, officer, manager, index=0)  # the mid-term report: not the one it waits for
    assert last_status(contract) == TrancheStatus.PENDING
    accept_final_report(app, contract, officer)
    assert last_status(contract) == TrancheStatus.PAYABLE
    (event,) = released()
    assert event["evaluation_id"] == evaluation.id


def test_a_report_returned_keeps_the_tranche_waiting_until_the_new_one_is_accepted(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    issue(app, evaluation, ev, 150)
    with app.test_request_context():
        contract_reports.review_report(contract.milestones[-1].latest_report, False, "缺少服务档案。", actor=officer)
        final_report(contract, manager)
    assert last_status(contract) == TrancheStatus.PENDING
    accept_final_report(app, contract, officer)
    assert last_status(contract) == TrancheStatus.PAYABLE and len(released()) == 1


def test_a_midterm_evaluation_and_the_last_report_release_nothing(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app, kind="midterm")
    issue(app, evaluation, ev, 190)
    with app.test_request_context():
        final_report(contract, manager)
    accept_final_report(app, contract, officer)
    assert evaluation.status == EvaluationStatus.COMPLETED
    assert last_status(contract) == TrancheStatus.PENDING and released() == []


# --- commissioning a final evaluation ---------------------------------------------------------------

def test_a_final_evaluation_is_refused_before_the_last_milestones_report_and_a_midterm_one_is_not(app, session):
    officer, manager, contract = active_contract(app)
    evaluator = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    due = local_today() + timedelta(days=30)
    with app.test_request_context(), force_locale("en"):
        template = project_template(officer)
        before = evaluations()
        with pytest.raises(Conflict) as refused:
            project_services.commission(contract, "final", template, due, actor=officer,
                                        evaluator_ids=[evaluator.id])
        last = contract.milestones[-1]
        assert refused.value.message == (
            f"The report on the last milestone, “末期” (due {last.due_on.isoformat()}), has not been submitted yet: "
            "a final evaluation can be commissioned once it is.")
        assert refused.value.code == "final_report_missing" and set(refused.value.fields) == {"kind"}
        assert evaluations() == before
        midterm = project_services.commission(contract, "midterm", template, due, actor=officer,
                                              evaluator_ids=[evaluator.id])
        assert midterm.kind == "midterm"
        report = final_report(contract, manager)
        contract_reports.review_report(report, False, "请补充总结报告。", actor=officer)
        with pytest.raises(Conflict) as returned:
            project_services.commission(contract, "final", template, due, actor=officer,
                                        evaluator_ids=[evaluator.id])
        assert returned.value.message == ("The report on the last milestone, “末期”, was returned to the organisation: "
                                          "a final evaluation can be commissioned once it is submitted again.")
        final_report(contract, manager)  # submitted again (not yet accepted): enough to commission
        assert project_services.commission(contract, "final", template, due, actor=officer,
                                           evaluator_ids=[evaluator.id]).kind == "final"


def test_the_commission_form_refuses_a_final_evaluation_before_the_report_with_the_reason(client, login_as, app,
                                                                                           session):
    officer, _manager, contract = active_contract(app)
    evaluator = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        template = project_template(officer)
    db.session.commit()
    login_as(officer)
    before = evaluations()
    url = f"/evaluations/contracts/{contract.id}/new"
    data = {"kind": "final", "template_id": str(template.id), "agency_id": "", "evaluator_ids": [str(evaluator.id)],
            "aggregation": "mean", "due_on": (local_today() + timedelta(days=20)).isoformat()}
    response = client.post(url, data=data, headers=ZH)
    page = response.get_data(as_text=True)
    assert response.status_code == 422  # the form again, the reason beside the kind and at the top
    assert "末期里程碑“末期”" in page and "尚未提交" in page
    assert re.search(r'id="kind-error"[^>]*>.*?“末期”报告尚未提交', page, re.S)
    db.session.expire_all()
    assert evaluations() == before
    assert client.post(url, data={**data, "kind": "midterm"}).status_code == 302


# --- a failed final evaluation, rectified --------------------------------------------------------------

def test_a_failed_final_evaluation_rectified_releases_the_last_tranche_and_paying_it_closes_the_contract(app,
                                                                                                       session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    accepted_report(app, contract, officer, manager, index=0)
    accept_final_report(app, contract, officer)
    issue(app, evaluation, ev, 119)  # 59.5: 不合格
    assert evaluation.grade == "fail" and evaluation.status == EvaluationStatus.RECTIFICATION
    (task,) = evaluation.tasks
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已补齐全部活动档案并整改。",
                                      evidence=Upload())
        assert last_status(contract) == TrancheStatus.PENDING  # not verified yet
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=ev, text="整改验收合格")
    assert evaluation.status == EvaluationStatus.COMPLETED
    assert last_status(contract) == TrancheStatus.PAYABLE
    with app.test_request_context():
        for tranche in contract.tranches:
            contract_money.pay_tranche(tranche, f"转账{tranche.position}", local_today(), actor=officer)
    db.session.refresh(contract)
    assert contract.status == ContractStatus.CLOSED and contract.paid_fen == contract.amount_fen


def test_a_failed_final_evaluation_rectified_before_the_report_is_accepted_waits_for_it(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    issue(app, evaluation, ev, 100)
    (task,) = evaluation.tasks
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已补齐全部活动档案并整改。",
                                      evidence=Upload())
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=ev, text="")
    assert evaluation.status == EvaluationStatus.COMPLETED and last_status(contract) == TrancheStatus.PENDING
    accept_final_report(app, contract, officer)
    assert last_status(contract) == TrancheStatus.PAYABLE
    assert released()[0]["evaluation_id"] == evaluation.id


# --- what the contract page says -----------------------------------------------------------------------

def waiting(client, contract, headers=EN) -> str:
    """What the contract page says the last tranche waits for ("" when it says nothing)."""
    page = client.get(f"/contracts/{contract.id}", headers=headers).get_data(as_text=True)
    found = re.search(r'<span class="tranche-waiting">(.*?)</span>', page)
    return html.unescape(found.group(1)) if found else ""


def test_the_contract_page_says_what_the_last_tranche_waits_for(client, login_as, app, session):
    officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(officer)
    assert waiting(client, contract) == ("waiting for the report on “末期” to be accepted, "
                                         "waiting for the final evaluation to be passed")
    assert waiting(client, contract, ZH) == "待“末期”报告通过、待终期评估通过"
    evaluator = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        final_report(contract, manager)
        evaluation = project_services.commission(contract, "final", project_template(officer),
                                                 local_today() + timedelta(days=30), actor=officer,
                                                 evaluator_ids=[evaluator.id])
        project_services.declare(evaluation.assignments[0], False, "", actor=evaluator)
        contract_reports.review_report(contract.milestones[-1].latest_report, True, "", actor=officer)
    issue(app, evaluation, evaluator, 119)  # 不合格: rectification open
    db.session.commit()
    assert waiting(client, contract) == "waiting for the final evaluation's rectification to be verified"
    assert waiting(client, contract, ZH) == "待终期评估整改验收合格"
    with app.test_request_context():
        (task,) = evaluation.tasks
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已补齐全部活动档案并整改。",
                                      evidence=Upload())
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=evaluator, text="")
    db.session.commit()
    assert waiting(client, contract) == ""  # payable: nothing to wait for
    page = client.get(f"/contracts/{contract.id}", headers=EN).get_data(as_text=True)
    assert page.count('class="tranche-status">Payable<') == 2  # the last milestone's tranche and the last one
